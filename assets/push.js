/* Web Push on this device, for the notification settings page.
 * kisaanPush.status() and kisaanPush.enable() always resolve (never reject) with one word the page shows in
 * the reader's language: subscribed | not_subscribed | unsupported | denied | failed | server_error.
 * The REST API accepts the HttpOnly session cookie, so fetch only needs credentials: "same-origin". */
(function () {
  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function keyBytes(base64url) {
    const padding = "=".repeat((4 - (base64url.length % 4)) % 4);
    const raw = atob((base64url + padding).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  async function registration() {
    const existing = await navigator.serviceWorker.getRegistration("/");
    if (existing) return existing;
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    return navigator.serviceWorker.ready;
  }

  async function status() {
    if (!supported()) return "unsupported";
    if (Notification.permission === "denied") return "denied";
    try {
      const reg = await navigator.serviceWorker.getRegistration("/");
      const sub = reg ? await reg.pushManager.getSubscription() : null;
      return sub ? "subscribed" : "not_subscribed";
    } catch (err) {
      return "not_subscribed";
    }
  }

  async function enable() {
    if (!supported()) return "unsupported";
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") return "denied";
      const keyResponse = await fetch("/api/notifications/push/vapid-key", { credentials: "same-origin" });
      if (!keyResponse.ok) return "server_error";
      const body = await keyResponse.json();
      const publicKey = body.public_key || body.key || body.vapid_public_key;
      const reg = await registration();
      let sub = await reg.pushManager.getSubscription();
      if (!sub) {
        sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
      }
      const saved = await fetch("/api/notifications/push/subscribe", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(sub.toJSON()),
      });
      return saved.ok ? "subscribed" : "server_error";
    } catch (err) {
      console.warn("push subscription failed", err);
      return err && err.name === "NotAllowedError" ? "denied" : "failed";
    }
  }

  window.kisaanPush = { status, enable };
})();
