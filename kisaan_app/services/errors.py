"""Typed domain errors. The API maps them to JSON problems; pages translate `code` into the reader's language.

Every code an error can carry is an `ErrorCode` member, and every member has a message in every catalogue
(tests/unit/test_i18n.py iterates the enum). Raising with a code that is not a member fails at once, so a typo
never reaches a farmer as the generic "something went wrong".
"""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # the defaults of the error classes below
    BAD_REQUEST = "bad_request"
    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    SERVICE_UNAVAILABLE = "service_unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"
    # raised by services (alphabetical)
    ACCOUNT_EXISTS = "account_exists"
    ACCOUNT_INACTIVE = "account_inactive"
    ADVICE_REQUIRED = "advice_required"
    ADVICE_TOO_LONG = "advice_too_long"
    ALERT_DISTRICT_NOT_YOURS = "alert_district_not_yours"
    ALERT_DISTRICT_REQUIRED = "alert_district_required"
    ALERT_DISTRICT_UNKNOWN = "alert_district_unknown"
    ALERT_MESSAGE = "alert_message"
    ALERT_NO_FARMERS = "alert_no_farmers"
    ALERT_NOT_FOUND = "alert_not_found"
    ALERT_SEVERITY = "alert_severity"
    ALERT_TITLE = "alert_title"
    ALERT_VALIDITY = "alert_validity"
    ALREADY_MEMBER = "already_member"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_RANGE = "amount_range"
    AMOUNT_TOO_LARGE = "amount_too_large"
    AUTO_ACCEPT_BELOW_RESERVE = "auto_accept_below_reserve"
    BACKUP_FILE_INVALID = "backup_file_invalid"
    BACKUP_KEEP_INVALID = "backup_keep_invalid"
    BACKUP_TARGET_NOT_EMPTY = "backup_target_not_empty"
    BACKUP_UNSUPPORTED_DATABASE = "backup_unsupported_database"
    BAD_DEVICE_KEY = "bad_device_key"
    BID_EXPIRED = "bid_expired"
    BID_NOT_FOUND = "bid_not_found"
    BID_NOT_LIVE = "bid_not_live"
    BROADCAST_LEVEL = "broadcast_level"
    BROADCAST_MESSAGE = "broadcast_message"
    CANNOT_CHANGE_OWN_ROLE = "cannot_change_own_role"
    CANNOT_DEACTIVATE_SELF = "cannot_deactivate_self"
    CASE_NOT_FOUND = "case_not_found"
    CASE_TRANSITION = "case_transition"
    CATEGORY_UNKNOWN = "category_unknown"
    CHANNEL_UNKNOWN = "channel_unknown"
    CSV_EMPTY = "csv_empty"
    CSV_ENCODING = "csv_encoding"
    CSV_FIELD_TOO_LONG = "csv_field_too_long"
    CSV_MALFORMED = "csv_malformed"
    CUSTOM_REPORT_DIMENSION_UNKNOWN = "custom_report_dimension_unknown"
    CUSTOM_REPORT_DIMENSIONS = "custom_report_dimensions"
    CUSTOM_REPORT_FILTER_UNKNOWN = "custom_report_filter_unknown"
    CUSTOM_REPORT_FILTERS_TOO_MANY = "custom_report_filters_too_many"
    CUSTOM_REPORT_MEASURE_UNKNOWN = "custom_report_measure_unknown"
    CUSTOM_REPORT_NAME = "custom_report_name"
    CUSTOM_REPORT_NAME_TAKEN = "custom_report_name_taken"
    CUSTOM_REPORT_NOT_FOUND = "custom_report_not_found"
    CUSTOM_REPORT_PERIOD = "custom_report_period"
    CUSTOM_REPORT_SCHEDULE = "custom_report_schedule"
    CUSTOM_REPORT_TOO_MANY = "custom_report_too_many"
    CSV_MISSING_COLUMNS = "csv_missing_columns"
    CSV_NOT_UTF8 = "csv_not_utf8"
    CSV_TOO_LARGE = "csv_too_large"
    CSV_TOO_MANY_ROWS = "csv_too_many_rows"
    DATE_INVALID = "date_invalid"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    DATE_RANGE = "date_range"
    DELIVERY_NOT_RECORDED_YET = "delivery_not_recorded_yet"
    DEVICE_NAME = "device_name"
    DOCUMENT_FONT_MISSING = "document_font_missing"
    FORM_KEY_INVALID = "form_key_invalid"
    IDENTIFIER_REQUIRED = "identifier_required"
    IMPORT_DUPLICATE_PHONE = "import_duplicate_phone"
    IMPORT_HAS_ERRORS = "import_has_errors"
    IMPORT_FILE_TOO_LARGE = "import_file_too_large"
    IMPORT_LANGUAGE = "import_language"
    IMPORT_NAME = "import_name"
    IMPORT_NOT_FOUND = "import_not_found"
    IMPORT_PHONE_TAKEN = "import_phone_taken"
    IMPORT_PLACE = "import_place"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_EMAIL = "invalid_email"
    INVALID_GSTIN = "invalid_gstin"
    INVALID_LAND_AREA = "invalid_land_area"
    INVALID_LANGUAGE = "invalid_language"
    INVALID_NAME = "invalid_name"
    INVALID_NUMBER = "invalid_number"
    INVALID_PHONE = "invalid_phone"
    INVALID_RESET_CODE = "invalid_reset_code"
    INVALID_ROLE = "invalid_role"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    IDEMPOTENCY_KEY_OTHER_PERSON = "idempotency_key_other_person"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INVALID_STATUS = "invalid_status"
    INVALID_TIME = "invalid_time"
    INVALID_TOKEN = "invalid_token"
    JOIN_REQUEST_DECIDED = "join_request_decided"
    JOIN_REQUEST_NOT_FOUND = "join_request_not_found"
    JOIN_REQUEST_PENDING = "join_request_pending"
    LINKED_ACCOUNT_ACTIVE = "linked_account_active"
    LINKED_ACCOUNT_ADDRESS = "linked_account_address"
    LINKED_ACCOUNT_BUSY = "linked_account_busy"
    LINKED_ACCOUNT_EMAIL = "linked_account_email"
    LINKED_ACCOUNT_IFSC = "linked_account_ifsc"
    LINKED_ACCOUNT_KIND = "linked_account_kind"
    LINKED_ACCOUNT_NAME = "linked_account_name"
    LINKED_ACCOUNT_NUMBER = "linked_account_number"
    LINKED_ACCOUNT_PAN = "linked_account_pan"
    LINKED_ACCOUNT_PHONE = "linked_account_phone"
    LINKED_ACCOUNT_PINCODE = "linked_account_pincode"
    LINKED_ACCOUNT_VPA = "linked_account_vpa"
    LISTING_DATES = "listing_dates"
    LISTING_DESCRIPTION = "listing_description"
    LISTING_FARMER = "listing_farmer"
    LISTING_FIELD_REQUIRED = "listing_field_required"
    LISTING_NAME_INVALID = "listing_name_invalid"
    LISTING_NOT_FOUND = "listing_not_found"
    LISTING_NOT_OPEN = "listing_not_open"
    LISTING_UNIT = "listing_unit"
    MARKET_ORDER_REQUIRED = "market_order_required"
    MESSAGE_REQUIRED = "message_required"
    NO_RECIPIENTS = "no_recipients"
    NO_RECIPIENTS_DISTRICT = "no_recipients_district"
    NOT_ENOUGH_QUANTITY = "not_enough_quantity"
    NOT_YOUR_TURN = "not_your_turn"
    NOTE_TOO_LONG = "note_too_long"
    ORDER_NOT_FOUND = "order_not_found"
    ORDER_NOT_PAYABLE = "order_not_payable"
    ORDER_PAYMENT_IN_PROGRESS = "order_payment_in_progress"
    ORDER_TRANSITION = "order_transition"
    ORDER_UNDO_EXPIRED = "order_undo_expired"
    ORDER_TRANSITION_SIDE = "order_transition_side"
    ORGANIZATION_NOT_FOUND = "organization_not_found"
    ORG_ADMIN_NEEDS_ORGANIZATION = "org_admin_needs_organization"
    ORGANIZATION_EXISTS = "organization_exists"
    ORGANIZATION_NOT_AT_SIGNUP = "organization_not_at_signup"
    OTHER_ORGANIZATION = "other_organization"
    OUTBOUND_ADDRESS_NOT_PUBLIC = "outbound_address_not_public"
    OUTBOUND_HOST_NOT_ALLOWED = "outbound_host_not_allowed"
    OUTBOUND_HOST_UNRESOLVED = "outbound_host_unresolved"
    OUTBOUND_URL_INVALID = "outbound_url_invalid"
    PASSWORD_TOO_LONG = "password_too_long"
    PASSWORD_TOO_SHORT = "password_too_short"
    PASSWORD_UNCHANGED = "password_unchanged"
    PAYMENT_NOT_FOUND = "payment_not_found"
    PAYMENT_NOT_PAYABLE = "payment_not_payable"
    PAYMENT_NOT_REFUNDABLE = "payment_not_refundable"
    PAYMENT_ORDER_MISMATCH = "payment_order_mismatch"
    PAYMENT_PROVIDER_REJECTED = "payment_provider_rejected"
    PAYMENT_PROVIDER_UNAVAILABLE = "payment_provider_unavailable"
    PAYMENT_SIGNATURE_INVALID = "payment_signature_invalid"
    PAYMENT_STARTING = "payment_starting"
    PAYMENT_STATUS_UNKNOWN = "payment_status_unknown"
    PHONE_OR_EMAIL_REQUIRED = "phone_or_email_required"
    PHOTO_NOT_FOUND = "photo_not_found"
    PHOTO_NOT_IMAGE = "photo_not_image"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTO_TOO_MANY_PIXELS = "photo_too_many_pixels"
    PLAN_ACTIVE = "plan_active"
    PLAN_NOT_FOUND = "plan_not_found"
    PLAN_PAYMENT_IN_PROGRESS = "plan_payment_in_progress"
    PLAN_PENDING = "plan_pending"
    PLAN_UNKNOWN = "plan_unknown"
    PRICE_ALERT_CROP = "price_alert_crop"
    PRICE_ALERT_KIND = "price_alert_kind"
    PRICE_ALERT_NOT_FOUND = "price_alert_not_found"
    PRICE_ALERT_PERCENT = "price_alert_percent"
    PRICE_ALERT_PLACE = "price_alert_place"
    PRICE_ALERT_PRICE = "price_alert_price"
    PRICE_ALERT_TOO_MANY = "price_alert_too_many"
    PRICE_INVALID = "price_invalid"
    PRICE_TOO_HIGH = "price_too_high"
    PRICE_ROW = "price_row"
    PUSH_AUTH_INVALID = "push_auth_invalid"
    PUSH_ENDPOINT_INVALID = "push_endpoint_invalid"
    PUSH_KEY_INVALID = "push_key_invalid"
    PUSH_SUBSCRIPTION_INVALID = "push_subscription_invalid"
    QUANTITY_INVALID = "quantity_invalid"
    QUANTITY_OVER_REMAINING = "quantity_over_remaining"
    QUANTITY_TOO_LARGE = "quantity_too_large"
    QUIET_HOURS_INCOMPLETE = "quiet_hours_incomplete"
    RECEIPT_NOT_PAID = "receipt_not_paid"
    RECIPIENT_UNKNOWN = "recipient_unknown"
    RECIPIENTS_REQUIRED = "recipients_required"
    REFUND_AFTER_DISPATCH_ADMIN_ONLY = "refund_after_dispatch_admin_only"
    REFUND_ALREADY_AUTOMATIC = "refund_already_automatic"
    REFUND_AMOUNT = "refund_amount"
    REFUND_IDEMPOTENCY_KEY = "refund_idempotency_key"
    REFUND_KEY_REUSED = "refund_key_reused"
    REFUND_REASON = "refund_reason"
    REFUND_TOO_LARGE = "refund_too_large"
    REPORT_CROP = "report_crop"
    REPORT_PERIOD = "report_period"
    REPORT_ISSUE_TYPE = "report_issue_type"
    REPORT_NOTE = "report_note"
    REPORT_SEVERITY = "report_severity"
    RESET_NEEDS_PHONE = "reset_needs_phone"
    RESET_USER_INACTIVE = "reset_user_inactive"
    ROLE_NOT_ASSIGNABLE = "role_not_assignable"
    SORT_UNKNOWN = "sort_unknown"
    STATEMENT_PERIOD_TOO_LONG = "statement_period_too_long"
    TEMPLATE_BODY_REQUIRED = "template_body_required"
    TEMPLATE_ERROR = "template_error"
    TEMPLATE_KEY_INVALID = "template_key_invalid"
    TEMPLATE_MISSING_VARIABLE = "template_missing_variable"
    TEMPLATE_NOT_FOUND = "template_not_found"
    TEMPLATE_SYNTAX = "template_syntax"
    TEMPLATE_TOO_LARGE = "template_too_large"
    TEMPLATE_TOO_SLOW = "template_too_slow"
    TEMPLATE_UNSAFE = "template_unsafe"
    TOO_LONG = "too_long"
    TOO_MANY_CROPS = "too_many_crops"
    TOO_MANY_UNPAID_ORDERS = "too_many_unpaid_orders"
    TWILIO_SIGNATURE_INVALID = "twilio_signature_invalid"
    UNKNOWN_METRIC = "unknown_metric"
    UNKNOWN_ORGANIZATION = "unknown_organization"
    UNKNOWN_TOPIC = "unknown_topic"
    USER_NOT_FOUND = "user_not_found"
    VOICE_AUDIO_EMPTY = "voice_audio_empty"
    VOICE_AUDIO_FORMAT = "voice_audio_format"
    VOICE_AUDIO_TOO_LARGE = "voice_audio_too_large"
    VOICE_AUDIO_TOO_LONG = "voice_audio_too_long"
    VOICE_ITEM_INVALID = "voice_item_invalid"
    VOICE_ITEM_NOT_FOUND = "voice_item_not_found"
    VOICE_NOT_CONFIGURED = "voice_not_configured"
    VOICE_NOTHING_TO_READ = "voice_nothing_to_read"
    VOICE_PROVIDER_FAILED = "voice_provider_failed"
    VOICE_UNAVAILABLE = "voice_unavailable"
    WEBHOOK_BODY_INVALID = "webhook_body_invalid"
    WEBHOOK_EVENT_ID_MISSING = "webhook_event_id_missing"
    WEBHOOK_REJECTED = "webhook_rejected"
    WEBHOOK_SIGNATURE_INVALID = "webhook_signature_invalid"
    WEBHOOK_TOO_LARGE = "webhook_too_large"
    WRONG_CURRENT_PASSWORD = "wrong_current_password"
    # answered by the API's edge (validation, routing, body limits, origin guard), never raised by services
    BODY_TOO_LARGE = "body_too_large"
    CROSS_SITE_REFUSED = "cross_site_refused"
    HTTP_ERROR = "http_error"
    INVALID_REQUEST = "invalid_request"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    SERVER_ERROR = "server_error"


def known_code(value: str | None, default: ErrorCode) -> ErrorCode:
    """A code that arrived from outside (a redirect's query string) if it is one of ours, else `default`."""
    try:
        return ErrorCode(value)
    except ValueError:
        return default


class DomainError(Exception):
    status: int = 400
    code: ErrorCode = ErrorCode.BAD_REQUEST

    def __init__(self, code: ErrorCode | str | None = None, *, field: str | None = None, **params: Any) -> None:
        try:
            self.code = ErrorCode(code or self.code)
        except ValueError:
            raise ValueError(f"unknown error code {code!r}: add it to ErrorCode and to every catalogue") from None
        self.field = field
        self.params = params
        super().__init__(self.code)


class ValidationFailed(DomainError):
    status = 422
    code = ErrorCode.INVALID


class AuthenticationFailed(DomainError):
    status = 401
    code = ErrorCode.NOT_AUTHENTICATED


class PermissionDenied(DomainError):
    status = 403
    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    status = 404
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    status = 409
    code = ErrorCode.CONFLICT


class RateLimited(DomainError):
    status = 429
    code = ErrorCode.RATE_LIMITED

    def __init__(self, retry_after_seconds: int, **params: Any) -> None:
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        minutes = max(1, -(-self.retry_after_seconds // 60))
        super().__init__(ErrorCode.RATE_LIMITED, minutes=minutes, **params)


class FieldErrors(ValidationFailed):
    """Several fields of one form are wrong: a page shows each beside its field, all at once. It reads as its
    first error for any caller that knows only one (code, field, params)."""

    def __init__(self, errors: list[DomainError]) -> None:
        first = errors[0]
        super().__init__(first.code, field=first.field, **first.params)
        self.errors = errors


class Checks:
    """Run a form's field checks and keep every refusal instead of stopping at the first.

    `value = checks(fn, *args)` returns fn's result, or None after noting its ValidationFailed; `done()` raises
    what was noted (one error as itself, several as FieldErrors)."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def __call__(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except FieldErrors as err:
            self.errors.extend(err.errors)
        except ValidationFailed as err:
            self.errors.append(err)
        return None

    def failed(self, field: str) -> bool:
        return any(err.field == field for err in self.errors)

    def done(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise FieldErrors(self.errors)


class ServiceUnavailable(DomainError):
    """A part we depend on (Redis, the database) is not answering: nothing was done; try again shortly (503)."""

    status = 503
    code = ErrorCode.SERVICE_UNAVAILABLE

    def __init__(self, code: ErrorCode | str | None = None, *, retry_after_seconds: int = 5, **params: Any) -> None:
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        super().__init__(code, seconds=self.retry_after_seconds, **params)
