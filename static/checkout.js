/*
 * The checkout's summary follows the form. When the shipping method, the
 * country or the discount code changes, the quote for them is asked for
 * as JSON (GET /checkout?country=..&shipping=..&discount_code=.. with
 * Accept: application/json, the same page the "Update the summary"
 * button loads), then:
 *
 *   <td data-quote="total_formatted">      gets the quote's member as text
 *   <tr data-quote-if="tax_added">         shows while that member is true
 *   <input type="hidden" name="total">     the total the order is placed at
 *   <div class="choice"> radios            the methods offered there
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

	/*
	 * The country, shipping method and discount code the form has now
	 * (an empty code field asks for no code, as the form posts it).
	 */
	function chosen() {
		var q = new URLSearchParams();
		var country = form.querySelector("[name=country]");
		var ship = form.querySelector("input[name=shipping]:checked");
		var code = form.querySelector("[name=discount_code]");

		if (country && country.value)
			q.set("country", country.value);
		if (ship)
			q.set("shipping", ship.value);
		if (code)
			q.set("discount_code", code.value.trim());
		return q;
	}

	function fallback(message) {
		if (button)
			button.hidden = false;
		if (status)
			status.textContent = message;
	}

	/* One radio of the shipping methods, as the page writes it. */
	function methodChoice(m) {
		var div = document.createElement("div");
		var input = document.createElement("input");
		var label = document.createElement("label");
		var span;

		div.className = "choice";
		input.type = "radio";
		input.id = "ship-" + String(m.code);
		input.name = "shipping";
		input.value = String(m.code);
		input.required = true;
		input.checked = m.selected === true;
		label.htmlFor = input.id;
		span = label.appendChild(document.createElement("span"));
		span.className = "choice-name";
		span.textContent = String(m.name);
		label.appendChild(document.createTextNode(" "));
		span = label.appendChild(document.createElement("span"));
		span.className = "choice-price";
		span.textContent = String(m.price_formatted);
		if (m.free_over_formatted) {
			label.appendChild(document.createTextNode(" "));
			span = label.appendChild(document.createElement("span"));
			span.className = "hint";
			span.textContent = "free from " +
			    String(m.free_over_formatted);
		}
		div.appendChild(input);
		div.appendChild(label);
		return div;
	}

	/*
	 * The shipping methods the quote offers where the order goes: the
	 * form's radios when they are the same (the one the quote chose
	 * checked), or new ones in their place (another zone). False when
	 * there are none to show.
	 */
	function showMethods(methods) {
		var radios = form.querySelectorAll("input[name=shipping]");
		var choices, parent, i, same;

		if (!Array.isArray(methods) || methods.length === 0)
			return false;
		same = methods.length === radios.length;
		for (i = 0; same && i < methods.length; i++)
			same = radios[i].value === String(methods[i].code);
		if (same) {
			for (i = 0; i < methods.length; i++)
				if (methods[i].selected === true)
					radios[i].checked = true;
			return true;
		}
		choices = form.querySelectorAll(".shipping-methods .choice");
		if (choices.length === 0)
			return false;
		parent = choices[0].parentNode;
		for (i = 0; i < methods.length; i++)
			parent.insertBefore(methodChoice(methods[i]), choices[0]);
		for (i = 0; i < choices.length; i++)
			parent.removeChild(choices[i]);
		return true;
	}

	function apply(data) {
		var quote = data && data.quote, els, i, name, total;

		if (!quote || typeof quote !== "object")
			return fallback("The summary could not be updated.");
		if (!showMethods(data.shipping_methods))
			return fallback("No shipping method is offered there.");
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

			if (name === "country" || name === "shipping" ||
			    name === "discount_code")
				refresh();
		});
	}

	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", start);
	else
		start();
}());
