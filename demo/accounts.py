#: Every demo account has an e-mail address at this reserved (RFC 2606) domain: ``--reset`` deletes
#: only accounts that carry it, so a real account called ``admin`` or ``teacher`` is never touched.
DEMO_EMAIL_DOMAIN = "demo.sencotrack.invalid"
