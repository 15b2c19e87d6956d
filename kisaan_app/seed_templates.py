"""Demo message templates in English and Hindi (in-app text also serves push; SMS kept short; email with HTML)."""

from sqlmodel import Session, select

from kisaan_app.models.notifications import NotificationTemplate
from kisaan_app.services.notifications import event_texts

# key, category, language, subject, in-app/push text, SMS text
TEXTS = (
    (
        "weather.red_alert",
        "weather",
        "en",
        "Red alert for {{ district }}",
        "{{ name }}, {{ warning }} expected in {{ district }}. Protect your crop and stay safe.",
        "RED ALERT {{ district }}: {{ warning }}. Cover harvested crop, stay indoors. -Kisaansay",
    ),
    (
        "weather.red_alert",
        "weather",
        "hi",
        "{{ district }} के लिए लाल चेतावनी",
        "{{ name }} जी, {{ district }} में {{ warning }} की आशंका है। फसल बचाएँ और सुरक्षित रहें।",
        "लाल चेतावनी {{ district }}: {{ warning }}। कटी फसल ढकें, घर में रहें। -किसानसे",
    ),
    ("system.announcement", "system", "en", "{{ title }}", "{{ message }}", "Kisaansay: {{ message }}"),
    ("system.announcement", "system", "hi", "{{ title }}", "{{ message }}", "किसानसे: {{ message }}"),
    # Every event's message (bids, orders, payments, crop cases, welcomes): services/notifications/event_texts.py
    *((e.key, e.category, e.language, e.subject, e.text, e.sms) for e in event_texts.TEXTS),
)


def _email_html(text: str) -> str:
    return (
        '<div style="font-family:sans-serif;max-width:560px">'
        f'<p style="font-size:16px">{text}</p>'
        '<p style="color:#555;font-size:12px">Kisaansay · किसानसे</p></div>'
    )


def seed_notification_templates(session: Session) -> int:
    """Add the demo templates that are missing; returns how many were added (0 on a second run)."""
    from kisaan_app.services.notifications.templates import variables

    have = set(
        session.exec(select(NotificationTemplate.key, NotificationTemplate.channel, NotificationTemplate.language))
    )
    added = 0
    for key, category, language, subject, text, sms_text in TEXTS:
        for channel, body, html_body in (
            ("in_app", text, None),
            ("sms", sms_text, None),
            ("email", text, _email_html(text)),
        ):
            if (key, channel, language) in have:
                continue
            names = sorted({*variables(body), *variables(subject), *variables(html_body or "")})
            session.add(
                NotificationTemplate(
                    key=key,
                    channel=channel,
                    language=language,
                    category=category,
                    subject=subject,
                    body=body,
                    html_body=html_body,
                    variables=names,
                )
            )
            added += 1
    return added
