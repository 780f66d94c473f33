// Service worker of the kiosk page: keeps the page and its assets so that a tablet
// that restarts while intake is unreachable still shows the faces (and the responses
// waiting in IndexedDB). Network first, the cache only when the network fails; the
// API is never cached. An answer without intake's mark (Thuocdo-Service: a Wi-Fi
// login page, a proxy's error) is a failure too: never kept as the page.
"use strict";
var CACHE = "thuocdo-kiosk-v1";
var SHELL = ["/kiosk", "/static/kiosk.js", "/static/kiosk.css"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var key = url.pathname;
  if (SHELL.indexOf(key) < 0) { return; }
  event.respondWith(
    fetch(event.request).then(function (response) {
      if (response.headers.get("Thuocdo-Service") !== "intake") {
        return caches.match(key).then(function (kept) { return kept || response; });
      }
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(key);
    })
  );
});
