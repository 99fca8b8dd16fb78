"""Free-mail (consumer) email domains, which tell nothing about a B2B lead's company."""

# Exact domains.
FREE_MAIL_DOMAINS = frozenset({
    "aol.com", "fastmail.com", "gmail.com", "googlemail.com", "hey.com", "hotmail.com", "icloud.com",
    "inbox.lv", "laposte.net", "libero.it", "live.com", "mac.com", "mail.com", "mail.ru", "me.com",
    "msn.com", "naver.com", "orange.fr", "outlook.com", "pm.me", "proton.me", "protonmail.com",
    "qq.com", "rambler.ru", "rediffmail.com", "seznam.cz", "t-online.de", "tutanota.com", "web.de",
    "wp.pl", "ymail.com", "zoho.com",
})

# Providers that run the same service under many country domains: "gmx" matches gmx.de, gmx.net,
# gmx.co.uk and every other domain whose first label is the provider name.
FREE_MAIL_PROVIDERS = frozenset({"gmx", "hotmail", "live", "outlook", "yahoo", "yandex"})


def is_free_mail_domain(domain):
    """True when a normalised domain ("gmx.at", "yahoo.co.uk") belongs to a free-mail provider."""
    if not domain:
        return False
    if domain in FREE_MAIL_DOMAINS:
        return True

    first_label, dot, rest = domain.partition(".")
    return bool(dot and rest) and first_label in FREE_MAIL_PROVIDERS
