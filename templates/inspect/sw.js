// The inspector workspace's service worker. Served from /inspect/sw.js, so its scope is /inspect/ alone: the
// consumer pages (/, /c/…, /01/…) are never its clients and never pass through it, let alone into its cache.
// It keeps the field page and the files it needs, so the page opens without signal; the records themselves
// live in IndexedDB (static/js/field.js). Only GET requests of the kept files are answered from the cache.
"use strict";
var CACHE = "field-{{ version }}";
var SHELL = {{ shell|tojson }};
var PAGE = SHELL[0];

function keep(cache, url) {
  // a redirect (to sign in) or an error is never kept in place of the page
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (response.ok && !response.redirected) return cache.put(url, response);
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) { return keep(cache, url); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("field-") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    // the page: fresh from the server when there is signal (and kept again), else the kept copy
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(PAGE, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(PAGE, { cacheName: CACHE });
    }));
    return;
  }
  if (SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then(function (kept) {
      return kept || fetch(request);
    }));
  }
  // anything else goes to the network as if there were no service worker
});
