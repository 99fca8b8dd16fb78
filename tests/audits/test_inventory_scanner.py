from audits.inventory.catalog import load_catalog
from audits.inventory.scanner import scan_html

PAGE_URL = "https://www.client.test/pricing"

# A marketing site with the usual tags, written the way the vendors' install snippets load them.
TAGGED_PAGE = """<!doctype html>
<html><head>
<meta charset="utf-8">
<meta name="generator" content="WordPress 6.5.2">
<meta name="facebook-domain-verification" content="abc123xyz">
<link rel="stylesheet" href="/wp-content/themes/client/style.css">
<script>
(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});
var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;
j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-ABC1234');
</script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-QWERTY1234"></script>
<script>
window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('js', new Date());
gtag('config', 'G-QWERTY1234');
</script>
<script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/4410001.js"></script>
</head><body>
<h1>Pricing</h1>
<script type="text/javascript">
_linkedin_partner_id = "123456";
window._linkedin_data_partner_ids = window._linkedin_data_partner_ids || [];
window._linkedin_data_partner_ids.push(_linkedin_partner_id);
(function(l) { var s = document.getElementsByTagName("script")[0]; var b = document.createElement("script");
b.type = "text/javascript"; b.async = true; b.src = "https://snap.licdn.com/li.lms-analytics/insight.min.js";
s.parentNode.insertBefore(b, s);})(window.lintrk);
</script>
<noscript><img height="1" width="1" style="display:none" alt="" src="https://px.ads.linkedin.com/collect/?pid=123456&fmt=gif"></noscript>
<script>
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};
t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}
(window, document,'script','https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '998877');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" src="https://www.facebook.com/tr?id=998877&ev=PageView&noscript=1"></noscript>
<script>
"use strict";
!function() { var t = window.driftt = window.drift = window.driftt || [];
t.load = function(e) { var o = document.createElement("script"); o.type = "text/javascript"; o.async = !0;
o.src = "https://js.driftt.com/include/" + 3 + "/" + e + ".js"; document.head.appendChild(o); }; }();
drift.load('k3y');
</script>
<script>
window.intercomSettings = { api_base: "https://api-iam.intercom.io", app_id: "abc12345" };
(function(){var w=window;var ic=w.Intercom;var d=document;var s=d.createElement('script');
s.async=true;s.src='https://widget.intercom.io/widget/abc12345';d.body.appendChild(s);})();
</script>
</body></html>
"""

PLAIN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Plain</title><link rel="stylesheet" href="/static/site.css">
<script src="/static/app.js"></script>
<script>document.addEventListener("DOMContentLoaded", function() { console.log("ready"); });</script>
</head><body><h1>Hello</h1><img src="/static/logo.png" alt="logo">
<form action="/contact" method="post"><input name="email"></form>
<p>We drift between ideas and intercom with our team.</p></body></html>
"""


def scan(html, **kwargs):
    return scan_html(html, url=PAGE_URL, catalog=load_catalog(), **kwargs)


def strong_slugs(detections):
    return {detection.slug for detection in detections if not detection.weak}


def kinds_for(detections, slug):
    return {detection.kind for detection in detections if detection.slug == slug}


def test_scan_finds_hubspot_script():
    detections = scan(TAGGED_PAGE)
    hubspot = [d for d in detections if d.slug == "hubspot" and d.kind == "script"]
    assert hubspot[0].evidence == "https://js.hs-scripts.com/4410001.js"


def test_scan_finds_google_tag_manager():
    assert "inline_script" in kinds_for(scan(TAGGED_PAGE), "google_tag_manager")


def test_scan_finds_ga4():
    assert "script" in kinds_for(scan(TAGGED_PAGE), "google_analytics")


def test_scan_finds_linkedin_insight():
    kinds = kinds_for(scan(TAGGED_PAGE), "linkedin_ads")
    assert "inline_script" in kinds
    assert "pixel" in kinds
    assert "global" in kinds


def test_scan_finds_meta_pixel():
    kinds = kinds_for(scan(TAGGED_PAGE), "meta_ads")
    assert {"inline_script", "pixel", "meta", "global"} <= kinds


def test_scan_finds_drift_and_intercom():
    slugs = strong_slugs(scan(TAGGED_PAGE))
    assert "drift" in slugs
    assert "intercom" in slugs


def test_scan_finds_wordpress_generator():
    kinds = kinds_for(scan(TAGGED_PAGE), "wordpress")
    assert "meta" in kinds
    assert "link" in kinds


def test_scan_evidence_has_page_source():
    assert {detection.source for detection in scan(TAGGED_PAGE)} == {PAGE_URL}


def test_scan_plain_page_finds_nothing():
    assert scan(PLAIN_PAGE) == []


def test_scan_empty_html():
    assert scan("") == []


def test_scan_matches_set_cookie_header():
    headers = {"Set-Cookie": "hubspotutk=abc; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/, __hssc=1.2.3; Path=/"}
    detections = scan(PLAIN_PAGE, headers=headers)
    assert {(d.slug, d.kind, d.evidence) for d in detections} == {
        ("hubspot", "set_cookie", "hubspotutk"),
        ("hubspot", "set_cookie", "__hssc"),
    }


def test_scan_matches_cookie_prefix():
    detections = scan(PLAIN_PAGE, cookies={"_ga_QWERTY1234": "GS1", "session": "x"})
    assert [(d.slug, d.evidence) for d in detections] == [("google_analytics", "_ga_QWERTY1234")]


def test_scan_cookie_names_exact():
    assert scan(PLAIN_PAGE, cookies=["_gax", "hubspotutk2"]) == []


def test_scan_global_only_is_weak():
    page = "<script>window.Intercom('boot', {app_id: 'x'});</script>"
    detections = scan(page)
    assert [(d.slug, d.kind, d.weak) for d in detections] == [("intercom", "global", True)]


def test_scan_preconnect_hint_is_weak():
    page = '<link rel="preconnect" href="https://js.driftt.com">'
    assert [d.weak for d in scan(page)] == [True]


def test_scan_relative_script_url_resolved():
    detections = scan('<script src="/wp-content/plugins/gravityforms/js/gf.js"></script>')
    evidence = {d.slug: d.evidence for d in detections}
    assert evidence["gravity_forms"] == "https://www.client.test/wp-content/plugins/gravityforms/js/gf.js"


def test_scan_form_action():
    page = '<form action="https://webto.salesforce.com/servlet/servlet.WebToLead?encoding=UTF-8" method="POST"></form>'
    assert [(d.slug, d.kind) for d in scan(page)] == [("salesforce", "form")]


def test_scan_is_deterministic():
    assert scan(TAGGED_PAGE) == scan(TAGGED_PAGE)
