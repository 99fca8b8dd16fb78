import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from audits.inventory.fetcher import AddressRejected, _GuardedAdapter, address_problem, fetch_pages

PAGE_HTML = '<html><head><script src="//js.hs-scripts.com/4410001.js"></script></head><body>ok</body></html>'
BIG_BODY_BYTES = 300_000


class SiteHandler(BaseHTTPRequestHandler):
    """A client website on 127.0.0.1 with pages, redirects and a large body."""

    redirects = {
        "/start": "/page",
        "/loop": "/loop",
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        "/to-other-host": "http://www.elsewhere.test/",
        "/to-ftp": "ftp://127.0.0.1/file",
    }

    def do_GET(self):
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/to-localhost":
            self.send_response(301)
            self.send_header("Location", "http://localhost:%d/page" % self.server.server_port)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return

        body = b"x" * BIG_BODY_BYTES if self.path == "/big" else PAGE_HTML.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Set-Cookie", "hubspotutk=abc; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT")
        self.send_header("Set-Cookie", "__hssc=1.2.3; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


LOCAL_HOSTS = ["127.0.0.1", "localhost"]


def fetch_one(url, **kwargs):
    kwargs.setdefault("allowed_hosts", LOCAL_HOSTS)
    kwargs.setdefault("timeout", 5)
    return fetch_pages([url], **kwargs)[0]


def test_fetch_rejects_loopback():
    result = fetch_one("http://127.0.0.1:9/")
    assert result.error == "rejected: 127.0.0.1 is a loopback address; scans reach only public hosts"
    assert result.status is None


def test_fetch_rejects_private_10():
    result = fetch_one("http://10.0.0.5/", allowed_hosts=["10.0.0.5"])
    assert result.error == "rejected: 10.0.0.5 is a private address; scans reach only public hosts"


def test_fetch_rejects_link_local():
    result = fetch_one("http://169.254.169.254/latest/meta-data/", allowed_hosts=["169.254.169.254"])
    assert result.error.startswith("rejected: 169.254.169.254 is a link-local address")


def test_fetch_rejects_link_local_with_allow_private():
    result = fetch_one("http://169.254.169.254/", allowed_hosts=["169.254.169.254"], allow_private=True)
    assert "link-local" in result.error


def test_fetch_rejects_host_not_allowed(site):
    result = fetch_one(site + "/page", allowed_hosts=["www.client.test"])
    assert result.error.startswith("rejected: host 127.0.0.1 is not one of the client's website hosts")


def test_fetch_rejects_non_http_scheme():
    result = fetch_one("file:///etc/passwd")
    assert result.error == "rejected: file:///etc/passwd uses scheme 'file'; scans fetch only http and https URLs"


def test_fetch_rejects_invalid_port():
    result = fetch_one("http://127.0.0.1:99999/")
    assert result.error.startswith("rejected: http://127.0.0.1:99999/ is not a valid URL")


def test_fetch_redirect_server_rejected_without_allow_private(site):
    result = fetch_one(site + "/start")
    assert "127.0.0.1 is a loopback address" in result.error
    assert result.redirects == ()
    assert result.html == ""


def test_fetch_redirect_followed_with_allow_private(site):
    result = fetch_one(site + "/start", allow_private=True)
    assert result.error == ""
    assert result.status == 200
    assert result.final_url == site + "/page"
    assert result.redirects == (site + "/page",)
    assert "js.hs-scripts.com" in result.html


def test_fetch_redirect_to_localhost_followed(site):
    result = fetch_one(site + "/to-localhost", allow_private=True)
    assert result.status == 200


def test_fetch_redirect_to_localhost_rejected_when_not_allowed(site):
    result = fetch_one(site + "/to-localhost", allowed_hosts=["127.0.0.1"], allow_private=True)
    assert result.error.startswith("rejected: host localhost is not one of")
    assert result.status is None


def test_fetch_redirect_hop_address_checked(site):
    result = fetch_one(site + "/to-metadata", allowed_hosts=LOCAL_HOSTS + ["169.254.169.254"], allow_private=True)
    assert "169.254.169.254 is a link-local address" in result.error
    assert result.redirects == ("http://169.254.169.254/latest/meta-data/",)


def test_fetch_redirect_hop_host_checked(site):
    result = fetch_one(site + "/to-other-host", allow_private=True)
    assert result.error.startswith("rejected: host www.elsewhere.test is not one of")


def test_fetch_redirect_hop_scheme_checked(site):
    result = fetch_one(site + "/to-ftp", allow_private=True)
    assert "uses scheme 'ftp'" in result.error


def test_fetch_stops_after_five_redirects(site):
    result = fetch_one(site + "/loop", allow_private=True)
    assert result.error.startswith("failed: more than 5 redirects")
    assert len(result.redirects) == 5


def test_fetch_caps_body(site):
    result = fetch_one(site + "/big", allow_private=True, max_bytes=100_000)
    assert result.truncated is True
    assert len(result.html) == 100_000


def test_fetch_returns_set_cookie_names(site):
    result = fetch_one(site + "/page", allow_private=True)
    assert result.cookie_names == ("hubspotutk", "__hssc")


def test_fetch_keeps_url_order(site):
    results = fetch_pages(["http://10.0.0.5/", site + "/page"], allowed_hosts=LOCAL_HOSTS + ["10.0.0.5"], allow_private=False)
    assert [result.url for result in results] == ["http://10.0.0.5/", site + "/page"]


def test_connection_guard_rejects_loopback(site):
    # The guard runs at connect time, so a DNS answer that changed after the URL check is still rejected.
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", _GuardedAdapter(allow_private=False))
    with pytest.raises(AddressRejected):
        session.get(site + "/page", timeout=5)
    session.close()


def test_address_problem_ipv4_mapped_loopback():
    assert "loopback" in address_problem(ipaddress.ip_address("::ffff:127.0.0.1"))


def test_address_problem_public_address():
    assert address_problem(ipaddress.ip_address("93.184.216.34")) == ""


def test_address_problem_multicast_always():
    assert "multicast" in address_problem(ipaddress.ip_address("224.0.0.1"), allow_private=True)
