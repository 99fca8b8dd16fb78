import pytest

from audits.free_mail import is_free_mail_domain
from audits.normalize import (
    email_domain,
    is_valid_email,
    normalize_company_name,
    normalize_domain,
    normalize_email,
    normalize_person_name,
    phone_key,
)


def test_email_trimmed_and_lower_cased():
    assert normalize_email(" Ana.Test@Example.com ") == "ana.test@example.com"


def test_email_plus_tag_kept_by_default():
    assert normalize_email("ana.test+events@example.com") == "ana.test+events@example.com"


def test_email_plus_tag_stripped_on_request():
    assert normalize_email("Ana.Test+Events@Example.com", strip_plus_tags=True) == "ana.test@example.com"


def test_email_blank_and_none():
    assert normalize_email(None) == ""
    assert normalize_email("   ") == ""


def test_email_without_at_sign_only_lowered():
    assert normalize_email("Not An+Email", strip_plus_tags=True) == "not an+email"


@pytest.mark.parametrize("value", ["ana@example.com", " bo.demo@example.org ", "a+b@sub.example.co.uk"])
def test_valid_emails(value):
    assert is_valid_email(value)


@pytest.mark.parametrize("value", ["", None, "ana.example.com", "ana@", "@example.com", "ana@@example.com", "a b@example.com", "ana@example"])
def test_invalid_emails(value):
    assert not is_valid_email(value)


def test_email_domain():
    assert email_domain(" Kim.Lee@WWW.Acme-Widgets.test ") == "acme-widgets.test"
    assert email_domain("no-at-sign") == ""


@pytest.mark.parametrize(
    "value", ["acme-widgets.test", "www.acme-widgets.test", "https://acme-widgets.test/", "HTTP://WWW.Acme-Widgets.test:443/a/b?x=1"]
)
def test_domain_forms_normalise_to_one(value):
    assert normalize_domain(value) == "acme-widgets.test"


def test_domain_blank():
    assert normalize_domain("  ") == ""
    assert normalize_domain(None) == ""


def test_phone_key_ignores_format_and_country_code():
    assert phone_key("+1 (555) 010-2000") == "5550102000"
    assert phone_key("555.010.2000") == "5550102000"


def test_phone_key_too_short():
    assert phone_key("ext. 204") == ""
    assert phone_key(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ACME Widgets Inc.", "acme widgets"),
        ("Acme Widgets", "acme widgets"),
        ("Beta Labs GmbH", "beta labs"),
        ("Gamma Co", "gamma"),
        ("Delta Holdings Pty Ltd", "delta holdings"),
        ("Smith & Sons, LLC", "smith and sons"),
        ("Société Générale S.A.", "societe generale s a"),
        ("Inc", "inc"),
        ("", ""),
    ],
)
def test_company_name(value, expected):
    assert normalize_company_name(value) == expected


def test_person_name():
    assert normalize_person_name("O'Brien-Smith") == "obriensmith"
    assert normalize_person_name(" José ") == "jose"
    assert normalize_person_name(None) == ""


@pytest.mark.parametrize(
    "domain", ["gmail.com", "yahoo.com", "yahoo.co.uk", "outlook.com", "hotmail.fr", "icloud.com", "aol.com", "gmx.de",
               "gmx.net", "web.de", "mail.ru", "yandex.ru", "proton.me", "protonmail.com"]
)
def test_free_mail_domains(domain):
    assert is_free_mail_domain(domain)


@pytest.mark.parametrize("domain", ["acme-widgets.test", "notgmail.com", "gmx", "mail.acme.test", ""])
def test_company_domains_not_free_mail(domain):
    assert not is_free_mail_domain(domain)
