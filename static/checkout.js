/*
 * The checkout's summary follows the form. When the shipping method or
 * the country changes, the quote for them is asked for as JSON (GET
 * /checkout?country=..&shipping=.. with Accept: application/json, the
 * same page the "Update the summary" button loads), then:
 *
 *   <td data-quote="total_formatted">      gets the quote's member as text
 *   <tr data-quote-if="tax_added">         shows while that member is true
 *   <input type="hidden" name="total">     the total the order is placed at
 *   <p data-quote-status role="status">    says the new total
 *
 * Loaded from the checkout page's head (no inline script: the CSP). With
 * no JavaScript, or no fetch, or when the quote cannot be had, the button
 * stays and works as before.
 */
(function () {
	"use strict";
	var form, button, status, seq = 0;

	if (!window.fetch || !window.URLSearchParams ||
	    !document.querySelector)
		return;

	function has(o, k) {
		return Object.prototype.hasOwnProperty.call(o, k);
	}

	/* The country and shipping method the form has now. */
	function chosen() {
		var q = new URLSearchParams();
		var country = form.querySelector("[name=country]");
		var ship = form.querySelector("input[name=shipping]:checked");

		if (country && country.value)
			q.set("country", country.value);
		if (ship)
			q.set("shipping", ship.value);
		return q;
	}

	function fallback(message) {
		if (button)
			button.hidden = false;
		if (status)
			status.textContent = message;
	}

	function apply(data) {
		var quote = data && data.quote, els, i, name, total;

		if (!quote || typeof quote !== "object")
			return fallback("The summary could not be updated.");
		els = document.querySelectorAll("[data-quote]");
		for (i = 0; i < els.length; i++) {
			name = els[i].getAttribute("data-quote");
			if (has(quote, name) && typeof quote[name] !== "object")
				els[i].textContent = String(quote[name]);
		}
		els = document.querySelectorAll("[data-quote-if]");
		for (i = 0; i < els.length; i++)
			els[i].hidden = quote[els[i].getAttribute(
			    "data-quote-if")] !== true;
		total = form.querySelector("input[name=total]");
		if (total && data.total && has(data.total, "value"))
			total.value = String(data.total.value);
		if (data.can_order !== true)
			return fallback(data.problem ? String(data.problem) :
			    "This order cannot be placed as it is.");
		if (status)
			status.textContent = "Total updated: " +
			    String(quote.total_formatted);
	}

	function refresh() {
		var mine = ++seq;

		fetch("/checkout?" + chosen().toString(), {
			headers: { "Accept": "application/json" },
			credentials: "same-origin",
			cache: "no-store"
		}).then(function (resp) {
			if (!resp.ok)
				throw new Error("HTTP " + resp.status);
			return resp.json();
		}).then(function (data) {
			if (mine === seq)
				apply(data);
		}).catch(function () {
			if (mine === seq)
				fallback("The summary could not be updated: use " +
				    "the button below the shipping methods.");
		});
	}

	function start() {
		form = document.querySelector("form[data-quote-form]");
		if (!form)
			return;
		button = form.querySelector(".quote-update");
		status = form.querySelector("[data-quote-status]");
		if (button)
			button.hidden = true;
		form.addEventListener("change", function (ev) {
			var name = ev.target && ev.target.getAttribute("name");

			if (name === "country" || name === "shipping")
				refresh();
		});
	}

	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", start);
	else
		start();
}());
