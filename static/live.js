/*
 * Live updates: server-sent events from /live/{channel} for elements that
 * ask for them. No inline script, nothing else needed; without it (or
 * without EventSource) the page simply shows what it was rendered with.
 *
 *   <p data-live-channel="order:42" data-live-token="..."
 *      data-live-since="1234" data-live-events="order">
 *     Status: <span data-live-field="label">Awaiting payment</span>
 *   </p>
 *
 * Each event's data is a JSON object; every [data-live-field] inside the
 * element gets the member of that name as its text, and the element's
 * data-live-<member> attributes follow the other members, for CSS.
 */
(function () {
	"use strict";
	if (!window.EventSource || !document.querySelectorAll)
		return;

	function apply(el, data) {
		var fields = el.querySelectorAll("[data-live-field]");
		var i, k, name;

		for (i = 0; i < fields.length; i++) {
			name = fields[i].getAttribute("data-live-field");
			if (Object.prototype.hasOwnProperty.call(data, name))
				fields[i].textContent = String(data[name]);
		}
		for (k in data) {
			if (Object.prototype.hasOwnProperty.call(data, k) &&
			    /^[a-z0-9_]{1,40}$/.test(k) &&
			    typeof data[k] !== "object")
				el.setAttribute("data-live-" + k.replace(/_/g, "-"),
				    String(data[k]));
		}
	}

	function listen(el) {
		var channel = el.getAttribute("data-live-channel");
		var events = (el.getAttribute("data-live-events") || "message")
		    .split(/\s+/);
		var query = [], url, source, i;

		if (el.getAttribute("data-live-token"))
			query.push("token=" + encodeURIComponent(
			    el.getAttribute("data-live-token")));
		if (el.getAttribute("data-live-since"))
			query.push("since=" + encodeURIComponent(
			    el.getAttribute("data-live-since")));
		url = "/live/" + encodeURIComponent(channel) +
		    (query.length ? "?" + query.join("&") : "");
		source = new EventSource(url);
		function onEvent(ev) {
			var data;

			try {
				data = JSON.parse(ev.data);
			} catch (e) {
				return;
			}
			if (data && typeof data === "object")
				apply(el, data);
		}
		for (i = 0; i < events.length; i++)
			if (events[i])
				source.addEventListener(events[i], onEvent);
	}

	function start() {
		var els = document.querySelectorAll("[data-live-channel]");
		var i;

		for (i = 0; i < els.length; i++)
			listen(els[i]);
	}

	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", start);
	else
		start();
}());
