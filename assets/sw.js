/* Kisaansay service worker: installable app, an offline page when there is no network, Web Push display.
 * Pages are network-first (they carry live state); static build files are served from cache then refreshed.
 * The API, the Reflex event socket and uploads always go to the network untouched. */
const CACHE = "kisaan-v1";
const OFFLINE_URL = "/offline.html";
const PRECACHE = [
  OFFLINE_URL,
  "/manifest.webmanifest",
  "/favicon.ico",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

function isBypassed(url) {
  return url.origin !== self.location.origin ||
    url.pathname.startsWith("/api/") || url.pathname.startsWith("/_event") ||
    url.pathname.startsWith("/_upload") || url.pathname === "/ping" || url.pathname === "/_health";
}

function isStatic(url) {
  return url.pathname.startsWith("/_next/") || url.pathname.startsWith("/assets/") ||
    url.pathname.startsWith("/icons/") || /\.(css|js|woff2?|png|svg|ico)$/.test(url.pathname);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (isBypassed(url)) return;

  if (request.mode === "navigate") {
    // Network first; with no network, the offline page (on a 2G drop-out this is what the farmer sees).
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (isStatic(url)) {
    // Stale-while-revalidate: instant on slow links, fresh on the next visit.
    event.respondWith(
      caches.open(CACHE).then(async (cache) => {
        const cached = await cache.match(request);
        const network = fetch(request)
          .then((response) => {
            if (response.ok) cache.put(request, response.clone());
            return response;
          })
          .catch(() => cached);
        return cached || network;
      })
    );
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (err) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "Kisaansay";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.tag,
      renotify: Boolean(data.tag),
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: { url: data.url || "/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  // Only our own pages: a push payload can never send the farmer to another site.
  const href = target.origin === self.location.origin ? target.href : self.location.origin + "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
      for (const client of clients) {
        if (client.url === href && "focus" in client) return client.focus();
      }
      // An open Kisaansay tab goes to the page (a full load, so its live state is fresh); else a new window.
      const open = clients.find((client) => new URL(client.url).origin === self.location.origin && "navigate" in client);
      if (open) return open.navigate(href).then((client) => (client || open).focus());
      return self.clients.openWindow(href);
    })
  );
});
