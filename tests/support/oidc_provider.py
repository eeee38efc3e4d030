"""A real OpenID Connect provider for the tests: panva's oidc-provider (OpenID Certified), run by Node.

One Node process serves three issuers, each on its own loopback port with its own keys (``oidc/server.mjs``):
``staff``, ``citizen`` and ``rogue`` (well-formed, trusted by nobody). ``npm ci`` installs the locked packages
when ``node_modules`` is missing. Without Node and npm the tests are skipped, except with ``CI=true``, where
that fails the run. The provider's log is a file in the test's temporary directory.

``sign_in`` and ``sign_out`` play the browser: plain HTTP requests that keep the provider's cookies.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest

PROJECT = Path(__file__).resolve().parent / "oidc"
RP_BASE_URL = "http://127.0.0.1:8080"  # the web's address as the providers register it; never served here
START_TIMEOUT_SECONDS = 60.0
IN_CI = os.environ.get("CI", "").lower() == "true"

# The accounts server.mjs knows: login -> password.
PASSWORDS = {"mette": "mette-password", "lars": "lars-password", "anna": "anna-password"}


@dataclass(frozen=True)
class OidcProviders:
    staff: str  # issuer URLs
    citizen: str
    rogue: str
    client_id: str  # a confidential client (client_secret_basic) at every issuer
    client_secret: str
    public_client_id: str  # a public client (no secret) at every issuer
    resource: str  # the RFC 8707 resource indicator whose access tokens have audience ``audience``
    audience: str
    log: Path
    rp_base_url: str = RP_BASE_URL

    @property
    def redirect_uri(self) -> str:
        return f"{self.rp_base_url}/auth/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.rp_base_url}/signed-out"

    def jwks_url(self, issuer: str) -> str:
        return f"{issuer}/jwks"


def _unavailable(message: str) -> NoReturn:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _install(npm: str) -> None:
    if (PROJECT / "node_modules" / "oidc-provider" / "package.json").is_file():
        return
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        check=False,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        _unavailable(f"npm ci for the test OIDC provider failed:\n{result.stderr[-2000:]}")


@contextmanager
def running_oidc_providers(workdir: Path, rp_base_url: str = RP_BASE_URL) -> Iterator[OidcProviders]:
    """The providers, with the clients' redirect URIs registered under ``rp_base_url`` (the web's address):
    ``/auth/callback`` and ``/auth/<issuer>/callback``; after logout ``/``, ``/signed-out`` and
    ``/log-ind?logget-ud=1``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _unavailable("Node.js and npm are needed for the OIDC provider of the sign-in tests")
    _install(npm)
    ready, log = workdir / "oidc-ready.json", workdir / "oidc-provider.log"
    secret = secrets.token_urlsafe(32)
    env = {
        **os.environ,
        "OIDC_RP_BASE_URL": rp_base_url,
        "OIDC_CLIENT_SECRET": secret,
        "OIDC_EXIT_ON_STDIN_END": "1",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [node, "server.mjs", str(ready)],
            cwd=PROJECT,
            stdin=subprocess.PIPE,  # closed when this process ends, however it ends: the provider then exits
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not ready.exists():
            if process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited ({process.returncode}):\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the OIDC provider did not start in time:\n{_tail(log)}")
            time.sleep(0.1)
        info = json.loads(ready.read_text())
        yield OidcProviders(
            staff=info["staff"]["issuer"],
            citizen=info["citizen"]["issuer"],
            rogue=info["rogue"]["issuer"],
            client_id=info["client_id"],
            client_secret=secret,
            public_client_id=info["public_client_id"],
            resource=info["resource"],
            audience=info["audience"],
            log=log,
            rp_base_url=rp_base_url.rstrip("/"),
        )
    finally:
        if process.stdin:
            process.stdin.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def oidc_providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProviders]:
    with running_oidc_providers(tmp_path_factory.mktemp("oidc")) as providers:
        yield providers


class SignInRefused(AssertionError):
    """The provider showed its login form again (wrong password) or answered something unexpected."""


def _form(page: str) -> tuple[str, dict[str, str]]:
    """The first form on a page: its action and its hidden fields."""
    match = re.search(r"<form\b[^>]*\baction=\"([^\"]+)\"[^>]*>(.*?)</form>", page, re.S)
    if not match:
        raise SignInRefused(f"no form on the page: {page[:300]}")
    hidden = dict(re.findall(r"<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"", match.group(2)))
    return html.unescape(match.group(1)), {k: html.unescape(v) for k, v in hidden.items()}


def _arrived(location: str, target: str) -> bool:
    here, there = urlsplit(location), urlsplit(target)
    return (here.scheme, here.netloc, here.path) == (there.scheme, there.netloc, there.path)


async def sign_in(
    browser: httpx.AsyncClient, url: str, *, login: str, password: str | None = None, redirect_uri: str
) -> dict[str, str]:
    """Open the authorization URL, sign in on the provider's form; the query the provider redirects back with."""
    response = await browser.get(url)
    posted = False
    for _ in range(20):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if _arrived(location, redirect_uri):
                return dict(parse_qsl(urlsplit(location).query))
            response = await browser.get(location)
        elif response.status_code == 200 and 'name="login"' in response.text:
            if posted:
                raise SignInRefused("the provider refused the login")
            action, _ = _form(response.text)
            credentials = {"login": login, "password": password or PASSWORDS[login]}
            response = await browser.post(urljoin(str(response.url), action), data=credentials)
            posted = True
        else:
            raise SignInRefused(f"unexpected answer {response.status_code}: {response.text[:500]}")
    raise SignInRefused("too many redirects")


async def sign_out(browser: httpx.AsyncClient, url: str) -> str:
    """Open the end-session URL and confirm; where the provider sends the browser afterwards."""
    response = await browser.get(url)
    if response.status_code != 200:
        raise SignInRefused(
            f"the end-session endpoint answered {response.status_code}: {response.text[:300]}"
        )
    action, hidden = _form(response.text)
    response = await browser.post(urljoin(str(response.url), action), data={**hidden, "logout": "yes"})
    if not response.is_redirect:
        raise SignInRefused(f"the logout confirmation answered {response.status_code}: {response.text[:300]}")
    return urljoin(str(response.url), response.headers["location"])
