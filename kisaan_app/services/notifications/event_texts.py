"""The message for each thing that happens (a bid, an order step, a payment, a sensor alarm, a crop case, a
welcome), in English and Hindi: the seed writes them as editable templates (seed_templates.py), and
events.tell() falls back to these words when a database has none. Only plain `{{ name }}` placeholders, so the
same text reads the same whether Jinja or the free-text filler renders it. English and Hindi are written here;
every other language is a file kisaan_app/data/event_texts/<lang>.json (a list of {key, category, subject, text,
sms_text}), so adding a language adds a file."""

import json
from dataclasses import dataclass
from pathlib import Path

_OTHER_LANGUAGES = Path(__file__).resolve().parents[2] / "data" / "event_texts"


@dataclass(frozen=True)
class EventText:
    key: str
    category: str
    language: str
    subject: str
    text: str  # in-app, push and email
    sms: str  # short: one or two SMS segments


def _t(key: str, category: str, language: str, subject: str, text: str, sms: str) -> EventText:
    return EventText(key, category, language, subject, text, sms)


def _order_step(kind: str, language: str, subject: str, sms: str) -> EventText:
    text = "{{ quantity }} for ₹{{ amount }}." if language == "en" else "{{ quantity }}, ₹{{ amount }}।"
    return EventText(f"market.{kind}", "market", language, subject, text, sms)


# Each step of an order, told to both sides.
ORDER_STEPS = (
    _order_step("order_created", "en", "Order {{ order }} confirmed", "Kisaansay: order {{ order }} confirmed."),
    _order_step("order_created", "hi", "ऑर्डर {{ order }} पक्का हुआ", "किसानसे: ऑर्डर {{ order }} पक्का हुआ।"),
    _order_step(
        "order_dispatched", "en", "Order {{ order }} dispatched", "Kisaansay: order {{ order }} is on its way."
    ),
    _order_step("order_dispatched", "hi", "ऑर्डर {{ order }} भेजा गया", "किसानसे: ऑर्डर {{ order }} भेज दिया गया।"),
    _order_step(
        "order_dispatch_undone",
        "en",
        "Order {{ order }}: dispatch taken back, not sent yet",
        "Kisaansay: order {{ order }} is not sent yet after all.",
    ),
    _order_step(
        "order_dispatch_undone",
        "hi",
        "ऑर्डर {{ order }}: भेजना वापस लिया, अभी नहीं भेजा",
        "किसानसे: ऑर्डर {{ order }} अभी नहीं भेजा गया।",
    ),
    _order_step("order_delivered", "en", "Order {{ order }} delivered", "Kisaansay: order {{ order }} delivered."),
    _order_step("order_delivered", "hi", "ऑर्डर {{ order }} पहुँच गया", "किसानसे: ऑर्डर {{ order }} पहुँच गया।"),
    _order_step("order_cancelled", "en", "Order {{ order }} cancelled", "Kisaansay: order {{ order }} was cancelled."),
    _order_step("order_cancelled", "hi", "ऑर्डर {{ order }} रद्द हुआ", "किसानसे: ऑर्डर {{ order }} रद्द हो गया।"),
    _order_step(
        "order_released",
        "en",
        "Order {{ order }} released: not paid in time",
        "Kisaansay: order {{ order }} was not paid in time and is released.",
    ),
    _order_step(
        "order_released",
        "hi",
        "ऑर्डर {{ order }} छोड़ा गया: समय पर भुगतान नहीं",
        "किसानसे: ऑर्डर {{ order }} का समय पर भुगतान नहीं हुआ।",
    ),
)

TEXTS: tuple[EventText, ...] = (
    # ---------------------------------------------------------------- market
    _t(
        "market.bid_received",
        "market",
        "en",
        "New bid on your {{ crop }}",
        "{{ buyer }} offered ₹{{ price }} per quintal for your {{ crop }}.",
        "Kisaansay: {{ buyer }} bid Rs {{ price }}/qtl for your {{ crop }}. Open the app to accept.",
    ),
    _t(
        "market.bid_received",
        "market",
        "hi",
        "आपकी {{ crop }} पर नई बोली",
        "{{ buyer }} ने आपकी {{ crop }} के लिए ₹{{ price }} प्रति क्विंटल की बोली लगाई।",
        "किसानसे: {{ buyer }} ने {{ crop }} के लिए ₹{{ price }}/क्विंटल बोली लगाई। ऐप में देखें।",
    ),
    _t(
        "market.counter_offer",
        "market",
        "en",
        "Counter-offer on {{ crop }}",
        "{{ who }} answered with ₹{{ price }} per quintal for {{ quantity }} of {{ crop }}. It is your turn.",
        "Kisaansay: counter-offer Rs {{ price }}/qtl for {{ crop }} from {{ who }}. Open the app to reply.",
    ),
    _t(
        "market.counter_offer",
        "market",
        "hi",
        "{{ crop }} पर जवाबी पेशकश",
        "{{ who }} ने {{ quantity }} {{ crop }} के लिए ₹{{ price }} प्रति क्विंटल का जवाब दिया। अब आपकी बारी है।",
        "किसानसे: {{ who }} की {{ crop }} पर जवाबी पेशकश ₹{{ price }}/क्विंटल। ऐप में जवाब दें।",
    ),
    _t(
        "market.bid_rejected",
        "market",
        "en",
        "Your offer on {{ crop }} was declined",
        "The seller declined your offer of ₹{{ price }} per quintal for {{ crop }}.",
        "Kisaansay: your offer Rs {{ price }}/qtl for {{ crop }} was declined.",
    ),
    _t(
        "market.bid_rejected",
        "market",
        "hi",
        "{{ crop }} पर आपकी पेशकश अस्वीकार",
        "विक्रेता ने {{ crop }} के लिए ₹{{ price }} प्रति क्विंटल की आपकी पेशकश अस्वीकार कर दी।",
        "किसानसे: {{ crop }} पर आपकी ₹{{ price }}/क्विंटल की पेशकश अस्वीकार हुई।",
    ),
    _t(
        "market.offer_expiring",
        "market",
        "en",
        "An offer on {{ crop }} is waiting for you",
        "The offer of ₹{{ price }} per quintal for {{ crop }} closes in about {{ hours }} hours. "
        "Reply before it lapses.",
        "Kisaansay: offer Rs {{ price }}/qtl for {{ crop }} lapses in {{ hours }} h. Reply in the app.",
    ),
    _t(
        "market.offer_expiring",
        "market",
        "hi",
        "{{ crop }} की पेशकश आपका इंतज़ार कर रही है",
        "{{ crop }} के लिए ₹{{ price }} प्रति क्विंटल की पेशकश लगभग {{ hours }} घंटे में बंद होगी। पहले जवाब दें।",
        "किसानसे: {{ crop }} की ₹{{ price }}/क्विंटल पेशकश {{ hours }} घंटे में बंद होगी। ऐप में जवाब दें।",
    ),
    _t(
        "market.order_unpaid",
        "market",
        "en",
        "Order {{ order }} is waiting for payment",
        "Pay ₹{{ amount }} for order {{ order }} within {{ minutes }} minutes, or the crop goes back on sale.",
        "Kisaansay: pay Rs {{ amount }} for order {{ order }} within {{ minutes }} min or it is released.",
    ),
    _t(
        "market.order_unpaid",
        "market",
        "hi",
        "ऑर्डर {{ order }} का भुगतान बाकी है",
        "ऑर्डर {{ order }} के ₹{{ amount }} {{ minutes }} मिनट में चुकाएँ, नहीं तो फसल फिर बिक्री पर चली जाएगी।",
        "किसानसे: ऑर्डर {{ order }} के ₹{{ amount }} {{ minutes }} मिनट में चुकाएँ।",
    ),
    *ORDER_STEPS,
    # ---------------------------------------------------------------- payments
    _t(
        "payments.received",
        "payments",
        "en",
        "₹{{ amount }} received",
        "{{ name }}, ₹{{ amount }} from {{ payer }} has reached your account.",
        "Kisaansay: Rs {{ amount }} received from {{ payer }}. Ref {{ reference }}.",
    ),
    _t(
        "payments.received",
        "payments",
        "hi",
        "₹{{ amount }} प्राप्त हुए",
        "{{ name }} जी, {{ payer }} से ₹{{ amount }} आपके खाते में आ गए हैं।",
        "किसानसे: {{ payer }} से ₹{{ amount }} मिले। संदर्भ {{ reference }}।",
    ),
    _t(
        "payments.order_paid",
        "payments",
        "en",
        "Order {{ order }} paid: ₹{{ amount }}",
        "{{ payer }} paid ₹{{ amount }} for order {{ order }}. We hold it safely and send your share once the "
        "buyer confirms delivery.",
        "Kisaansay: {{ payer }} paid Rs {{ amount }} for order {{ order }}. Your share is sent after delivery.",
    ),
    _t(
        "payments.order_paid",
        "payments",
        "hi",
        "ऑर्डर {{ order }} का भुगतान हुआ: ₹{{ amount }}",
        "{{ payer }} ने ऑर्डर {{ order }} के लिए ₹{{ amount }} चुकाए। खरीदार के डिलीवरी पक्की करने पर आपका हिस्सा भेजा जाएगा।",
        "किसानसे: {{ payer }} ने ऑर्डर {{ order }} के ₹{{ amount }} चुकाए। डिलीवरी के बाद आपका हिस्सा मिलेगा।",
    ),
    _t(
        "payments.paid",
        "payments",
        "en",
        "Payment of ₹{{ amount }} received",
        "Your payment {{ receipt }} of ₹{{ amount }} is confirmed.",
        "Kisaansay: payment {{ receipt }} of Rs {{ amount }} confirmed.",
    ),
    _t(
        "payments.paid",
        "payments",
        "hi",
        "₹{{ amount }} का भुगतान मिला",
        "आपका भुगतान {{ receipt }} (₹{{ amount }}) पक्का हो गया है।",
        "किसानसे: भुगतान {{ receipt }} ₹{{ amount }} पक्का।",
    ),
    _t(
        "payments.refunded",
        "payments",
        "en",
        "₹{{ amount }} refunded",
        "₹{{ amount }} of your payment {{ receipt }} is on its way back to you (₹{{ total }} refunded in all).",
        "Kisaansay: Rs {{ amount }} of payment {{ receipt }} refunded.",
    ),
    _t(
        "payments.refunded",
        "payments",
        "hi",
        "₹{{ amount }} वापस किए गए",
        "आपके भुगतान {{ receipt }} के ₹{{ amount }} वापस आ रहे हैं (कुल ₹{{ total }} वापस)।",
        "किसानसे: भुगतान {{ receipt }} के ₹{{ amount }} वापस किए गए।",
    ),
    # ---------------------------------------------------------------- crop health
    _t(
        "crop.sensor_alert",
        "crop_health",
        "en",
        "{{ crop }}: {{ reading }}",
        "Your sensor {{ device }} reads {{ reading }} on your {{ crop }}. Check the field.",
        "Kisaansay: sensor {{ device }} reads {{ reading }} ({{ crop }}). Check the field.",
    ),
    _t(
        "crop.sensor_alert",
        "crop_health",
        "hi",
        "{{ crop }}: {{ reading }}",
        "आपके सेंसर {{ device }} पर {{ crop }} में {{ reading }} दर्ज हुआ। खेत देखें।",
        "किसानसे: सेंसर {{ device }}: {{ reading }} ({{ crop }})। खेत देखें।",
    ),
    _t(
        "crop.case_opened",
        "crop_health",
        "en",
        "{{ farmer }} needs help with {{ crop }}",
        "{{ farmer }} reported {{ issue }} on {{ crop }} (case {{ case }}). Acknowledge it on the crop cases page.",
        "Kisaansay: {{ farmer }} reported {{ issue }} on {{ crop }}, case {{ case }}. Please acknowledge.",
    ),
    _t(
        "crop.case_opened",
        "crop_health",
        "hi",
        "{{ farmer }} को {{ crop }} में मदद चाहिए",
        "{{ farmer }} ने {{ crop }} में {{ issue }} की सूचना दी (मामला {{ case }})। फसल मामले पेज पर स्वीकार करें।",
        "किसानसे: {{ farmer }} ने {{ crop }} में {{ issue }} बताया, मामला {{ case }}। कृपया स्वीकार करें।",
    ),
    _t(
        "crop.case_escalated",
        "crop_health",
        "en",
        "Unanswered for {{ hours }} h: {{ farmer }}'s {{ crop }}",
        "Nobody has acknowledged case {{ case }} ({{ issue }} on {{ farmer }}'s {{ crop }}) for {{ hours }} hours.",
        "Kisaansay URGENT: case {{ case }} ({{ farmer }}, {{ crop }}) unanswered for {{ hours }} h.",
    ),
    _t(
        "crop.case_escalated",
        "crop_health",
        "hi",
        "{{ hours }} घंटे से अनुत्तरित: {{ farmer }} की {{ crop }}",
        "मामला {{ case }} ({{ farmer }} की {{ crop }} में {{ issue }}) {{ hours }} घंटे से किसी ने स्वीकार नहीं किया।",
        "किसानसे ज़रूरी: मामला {{ case }} ({{ farmer }}, {{ crop }}) {{ hours }} घंटे से अनुत्तरित।",
    ),
    _t(
        "crop.case_acknowledged",
        "crop_health",
        "en",
        "Your {{ crop }} report is being looked at",
        "{{ helper }} has taken up your report on {{ crop }} (case {{ case }}) and will send advice.",
        "Kisaansay: {{ helper }} is looking at your {{ crop }} report (case {{ case }}).",
    ),
    _t(
        "crop.case_acknowledged",
        "crop_health",
        "hi",
        "आपकी {{ crop }} की सूचना देखी जा रही है",
        "{{ helper }} ने {{ crop }} पर आपकी सूचना (मामला {{ case }}) ले ली है और सलाह भेजेंगे।",
        "किसानसे: {{ helper }} आपकी {{ crop }} की सूचना (मामला {{ case }}) देख रहे हैं।",
    ),
    _t(
        "crop.case_advice",
        "crop_health",
        "en",
        "Advice for your {{ crop }}",
        "{{ helper }}: {{ advice }}",
        "Kisaansay advice ({{ crop }}): {{ advice }}",
    ),
    _t(
        "crop.case_advice",
        "crop_health",
        "hi",
        "आपकी {{ crop }} के लिए सलाह",
        "{{ helper }}: {{ advice }}",
        "किसानसे सलाह ({{ crop }}): {{ advice }}",
    ),
    _t(
        "crop.case_closed",
        "crop_health",
        "en",
        "Case {{ case }} closed",
        "The case about {{ farmer }}'s {{ crop }} is closed.",
        "Kisaansay: case {{ case }} ({{ crop }}) closed.",
    ),
    _t(
        "crop.case_closed",
        "crop_health",
        "hi",
        "मामला {{ case }} बंद",
        "{{ farmer }} की {{ crop }} का मामला बंद हो गया है।",
        "किसानसे: मामला {{ case }} ({{ crop }}) बंद।",
    ),
    # ---------------------------------------------------------------- onboarding
    _t(
        "onboarding.welcome",
        "account",
        "en",
        "Welcome to Kisaansay",
        "{{ name }}, {{ org }} has added you to Kisaansay. To sign in, open {{ url }}, enter your mobile "
        "{{ phone }} and we will text you a code to set your password.",
        "Welcome {{ name }}! {{ org }} added you to Kisaansay. Open {{ url }}, enter {{ phone }}, get a code, "
        "set a password.",
    ),
    _t(
        "onboarding.welcome",
        "account",
        "hi",
        "किसानसे में आपका स्वागत है",
        "{{ name }} जी, {{ org }} ने आपको किसानसे से जोड़ा है। साइन इन के लिए {{ url }} खोलें, अपना मोबाइल "
        "{{ phone }} डालें, हम पासवर्ड बनाने का कोड भेजेंगे।",
        "स्वागत {{ name }} जी! {{ org }} ने आपको किसानसे से जोड़ा। {{ url }} खोलें, {{ phone }} डालें, कोड से पासवर्ड बनाएँ।",
    ),
)


def _from_files() -> tuple[EventText, ...]:
    return tuple(
        EventText(row["key"], row["category"], path.stem, row["subject"], row["text"], row["sms_text"])
        for path in sorted(_OTHER_LANGUAGES.glob("*.json"))
        for row in json.loads(path.read_text(encoding="utf-8"))
    )


TEXTS += _from_files()
BY_KEY: dict[tuple[str, str], EventText] = {(e.key, e.language): e for e in TEXTS}
CATEGORY: dict[str, str] = {e.key: e.category for e in TEXTS}


def text_for(key: str, language: str) -> EventText:
    """The words in the reader's language, else English (every key has English)."""
    return BY_KEY.get((key, language)) or BY_KEY[(key, "en")]
