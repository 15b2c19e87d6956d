/* Kisaansay's service worker (Workbox 7, bundled by tools/service-worker/build.mjs after every production build).
 *
 * - The shell and the farmer's pages are precached at install (self.__WB_MANIFEST: their HTML and the hashed
 *   scripts and styles they load), so a repeat visit loads from the phone, and a farmer page opens offline.
 * - Other pages: network first, the last copy when offline, else the bilingual offline page.
 * - Hashed build files (/assets/…) never change under one name: cache first.
 * - /api/offline/copy (the person's last dashboard, listings, offers and orders): network first, the last
 *   answer when offline; the page shows it marked "not live".
 * - Writes that carry an Idempotency-Key (list produce, make or answer an offer, mark read, report a crop
 *   problem): sent at once when online; offline they are kept in a queue (IndexedDB) and replayed, key intact,
 *   when the network returns: Background Sync where the browser has it, else whenever the worker starts or a
 *   page says it is online again. The server answers a replayed key with the first answer, so nothing lands
 *   twice; a refusal (a listing sold meanwhile) is told to the farmer, never dropped silently.
 * - Web Push: shows the notification; a tap opens our own page.
 * The Reflex state socket (/_event) and all other API calls go to the network untouched. */
import { Queue } from "workbox-background-sync";
import { CacheableResponsePlugin } from "workbox-cacheable-response";
import { clientsClaim } from "workbox-core";
import { ExpirationPlugin } from "workbox-expiration";
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute, setCatchHandler } from "workbox-routing";
import { CacheFirst, NetworkFirst } from "workbox-strategies";

self.skipWaiting();
clientsClaim();

const OFFLINE_PAGE = "/offline.html";
const COPY_CACHE = "kisaan-offline-copy";
const RESULTS_CACHE = "kisaan-outbox-results";
const RESULTS_URL = "/__kisaan/outbox-results";

// Any query string still finds the precached page (/market/listing?id=7 is market/listing.html); build files are hashed.
precacheAndRoute(self.__WB_MANIFEST, { cleanURLs: true, ignoreURLParametersMatching: [/.*/] });
cleanupOutdatedCaches();

const ownOrigin = (url) => url.origin === self.location.origin;

// Pages not precached: the network, with the last copy for when there is none.
registerRoute(
  new NavigationRoute(
    new NetworkFirst({
      cacheName: "kisaan-pages",
      networkTimeoutSeconds: 8,
      plugins: [new CacheableResponsePlugin({ statuses: [200] }), new ExpirationPlugin({ maxEntries: 30 })],
    }),
    { denylist: [/^\/api\//, /^\/_/] },
  ),
);

registerRoute(
  ({ url }) => ownOrigin(url) && (url.pathname.startsWith("/assets/") || url.pathname.startsWith("/icons/")),
  new CacheFirst({
    cacheName: "kisaan-assets",
    plugins: [
      new CacheableResponsePlugin({ statuses: [200] }),
      new ExpirationPlugin({ maxEntries: 200, maxAgeSeconds: 60 * 24 * 3600 }),
    ],
  }),
);

registerRoute(
  ({ url }) => ownOrigin(url) && url.pathname === "/api/offline/copy",
  new NetworkFirst({
    cacheName: COPY_CACHE,
    networkTimeoutSeconds: 10,
    plugins: [new CacheableResponsePlugin({ statuses: [200] })],
  }),
);

setCatchHandler(async ({ request }) => {
  if (request.destination === "document" || request.mode === "navigate") {
    return (await matchPrecache(OFFLINE_PAGE)) || Response.error();
  }
  return Response.error();
});

// ------------------------------------------------------------------ offline writes

const WRITES = [
  [/^\/api\/market\/listings$/, "listing"],
  [/^\/api\/market\/listings\/\d+\/bids$/, "bid"],
  [/^\/api\/market\/bids\/\d+\/counter$/, "counter"],
  [/^\/api\/market\/bids\/\d+\/(accept|reject)$/, "accept"],
  [/^\/api\/inbox\/(\d+\/read|read-all)$/, "read"],
  [/^\/api\/crop-health\/reports$/, "report"],
];

function whatOf(url) {
  const path = new URL(url).pathname;
  const found = WRITES.find(([pattern]) => pattern.test(path));
  return found ? found[1] : "write";
}

async function tellPages(message) {
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const page of pages) page.postMessage(message);
  return pages.length;
}

// A result nobody saw (no tab open when Background Sync ran) waits here for the next page to show it.
async function keepResult(result) {
  const cache = await caches.open(RESULTS_CACHE);
  const old = await cache.match(RESULTS_URL);
  const results = old ? await old.json() : [];
  results.push(result);
  await cache.put(RESULTS_URL, new Response(JSON.stringify(results.slice(-20))));
}

async function takeResults() {
  const cache = await caches.open(RESULTS_CACHE);
  const old = await cache.match(RESULTS_URL);
  await cache.delete(RESULTS_URL);
  return old ? old.json() : [];
}

let replaying = null;

async function replayOutbox({ queue }) {
  let entry;
  while ((entry = await queue.shiftRequest())) {
    let response;
    try {
      response = await fetch(entry.request.clone());
    } catch (err) {
      await queue.unshiftRequest(entry); // still no network: try again on the next sync or page open
      throw err;
    }
    if (response.status >= 500 || response.status === 429) {
      await queue.unshiftRequest(entry);
      throw new Error(`server answered ${response.status}; will retry`);
    }
    const body = await response.json().catch(() => ({}));
    const result = {
      type: response.ok ? "outbox-sent" : "outbox-failed",
      what: whatOf(entry.request.url),
      status: response.status,
      reason: (body.error && body.error.message) || "",
    };
    if (!(await tellPages(result)) && !response.ok) await keepResult(result);
  }
  await tellPages({ type: "outbox-size", size: 0 });
}

const outbox = new Queue("kisaan-outbox", {
  maxRetentionTime: 7 * 24 * 60, // minutes: a week without network still lands
  onSync: (options) => replayNow(options.queue),
});

function replayNow(queue = outbox) {
  if (!replaying) replaying = replayOutbox({ queue }).finally(() => (replaying = null));
  return replaying;
}

registerRoute(
  ({ url, request }) => ownOrigin(url) && request.headers.has("Idempotency-Key") && url.pathname.startsWith("/api/"),
  async ({ request }) => {
    const kept = request.clone();
    try {
      return await fetch(request);
    } catch (err) {
      await outbox.pushRequest({ request: kept, metadata: { what: whatOf(request.url) } });
      tellPages({ type: "outbox-size", size: await outbox.size() });
      return new Response(JSON.stringify({ queued: true }), {
        status: 202,
        headers: { "Content-Type": "application/json", "X-Kisaan-Queued": "1" },
      });
    }
  },
  "POST",
);

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (message) => event.ports[0] && event.ports[0].postMessage(message);
  if (data.type === "replay-outbox") {
    event.waitUntil(replayNow().catch(() => null).then(async () => reply({ size: await outbox.size() })));
  } else if (data.type === "outbox-status") {
    event.waitUntil((async () => reply({ size: await outbox.size(), results: await takeResults() }))());
  } else if (data.type === "forget-copy") {
    event.waitUntil(caches.delete(COPY_CACHE)); // signed out: another person may use this phone next
  }
});

// Browsers without Background Sync: try whatever is waiting each time the worker starts.
if (!("sync" in self.registration)) replayNow().catch(() => null);

// ------------------------------------------------------------------ Web Push

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
    }),
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
    }),
  );
});
