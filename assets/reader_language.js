// The reader's language in the browser (components/i18n.py). Once the state has come over the socket, the state's
// `lang` is the truth (a language switch changes it at once). Before that (the first paint on a slow link) and
// whenever the socket never came (offline: the page was served by the service worker), the language cookie the
// state keeps (kisaan_lang, not HttpOnly) says it, so a Hindi reader sees Hindi even offline.
// useSyncExternalStore gives the prerendered HTML's language ("en") while React hydrates, then the cookie's,
// without a hydration mismatch.
import { useSyncExternalStore } from "react";

const COOKIE = /(?:^|;\s*)kisaan_lang=([^;]*)/;
const fromCookie = () => {
  const found = document.cookie.match(COOKIE);
  return found ? decodeURIComponent(found[1]) : "en";
};
// The cookie has no change event; a tab that switches language goes through the state anyway.
const subscribe = () => () => {};

export function useReaderLanguage(stateLang, hydrated) {
  const cookieLang = useSyncExternalStore(subscribe, fromCookie, () => "en");
  return hydrated && stateLang ? stateLang : cookieLang;
}
