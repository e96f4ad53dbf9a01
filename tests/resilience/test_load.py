"""The login and the public pages under concurrent load, on a real multi-process server.

Every client comes from 127.0.0.1, as every visitor does behind a reverse proxy when the app
does not read X-Forwarded-For: the per-address limits of allauth (30 login forms a minute, 10
failed logins a minute) and of the verification (30 a minute) are shared by all of them. Each
answer must be right or a refusal that the limits explain, never a 500, never a wrong login let
in nor a right one reported as a wrong password.
"""

import collections
import re
import threading
import time

from certificates import codes
from tests import factories

from .support import LOAD_CLIENTS, LOAD_SECONDS, run_clients, windows

LOGIN = "/comptes/login/"
WRONG_PASSWORD = "pas-le-bon-mot-de-passe"
INCORRECT = "sont incorrects"  # allauth: « L’adresse e-mail ou le mot de passe sont incorrects. »
TOO_MANY_FAILURES = "Trop de tentatives de connexion échouées"
WELCOME = "Socle : se former entre pairs, faire reconnaître ses compétences"
PRIVACY = "Données personnelles et confidentialité"
# allauth's rates (ACCOUNT_RATE_LIMITS is not set: its defaults) and Socle's verification's.
LOGIN_PER_MINUTE = 30
FAILED_PER_MINUTE = 10
FAILED_PER_ACCOUNT = 5  # in 5 minutes
VERIFY_PER_MINUTE = 30


def h1(response):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
    return match.group(1).strip() if match else ""


def log_in(browser, email, password):
    """Submit allauth's login form as a browser would; returns what the answer says:
    "in", "incorrect" (a wrong password), "locked" (too many failures) or "limited" (429)."""
    form = browser.get(LOGIN)
    assert form.status == 200, form.status
    response = browser.request(
        "POST",
        LOGIN,
        {"csrfmiddlewaretoken": browser.form_token(form), "login": email, "password": password},
    )
    if response.status == 302:
        # Home, or the profile on a first login with no commune or structure yet.
        assert response.location in ("/", "/profil/"), response.location
        assert "sessionid" in browser.cookies
        return "in"
    if response.status == 429:
        return "limited"
    assert response.status == 200, (response.status, response.text[:300])
    if TOO_MANY_FAILURES in response.text:
        return "locked"
    assert INCORRECT in response.text, response.text[:2000]
    assert "sessionid" not in browser.cookies
    return "incorrect"


def check_logged_in_then_log_out(browser, user):
    profile = browser.get("/profil/")
    assert profile.status == 200, profile.status
    assert user.email in profile.text
    assert h1(browser.get("/")) == f"Bonjour {user.first_name}"
    out = browser.post("/comptes/logout/", {})
    assert out.status == 302, out.status
    after = browser.get("/profil/")
    assert after.status == 302 and after.location.startswith(LOGIN), after.status


def check_public_pages(browser, unknown_code):
    """The welcome page, the verification form, the privacy page and an unknown code; returns
    the latter's answer ("unknown" or "limited")."""
    home = browser.get("/")
    assert home.status == 200 and h1(home) == WELCOME, (home.status, h1(home))
    verify = browser.get("/verifier/")
    assert verify.status == 200 and 'name="c-code"' in verify.text, verify.status
    privacy = browser.get("/confidentialite/")
    assert privacy.status == 200 and h1(privacy) == PRIVACY, (privacy.status, h1(privacy))
    unknown = browser.get(f"/verifier/{unknown_code}/")
    if unknown.status == 429:
        assert "Trop de vérifications" in unknown.text
        return "limited"
    assert unknown.status == 404, unknown.status
    assert "Code inconnu" in unknown.text
    return "unknown"


def test_login_and_public_pages_under_load(start_server):
    clients = LOAD_CLIENTS
    users = [factories.UserFactory() for _ in range(clients)]
    victims = [factories.UserFactory() for _ in range(2)]
    server = start_server()
    outcomes = collections.Counter()  # (what was tried, what the answer said)
    failures_per_victim = collections.Counter()
    lock = threading.Lock()
    first_round = threading.Barrier(clients)
    first_logins = []

    def client(index, _deadline):
        browser = server.browser()
        user = users[index]
        # Everyone logs in at the same instant first, before any failure is counted.
        outcome = log_in(browser, user.email, factories.DEFAULT_PASSWORD)
        with lock:
            first_logins.append(outcome)
            outcomes[("right", outcome)] += 1
        if outcome == "in":
            check_logged_in_then_log_out(browser, user)
        first_round.wait(timeout=60)
        deadline = time.monotonic() + LOAD_SECONDS
        turn = 0
        while turn < 2 or time.monotonic() < deadline:  # a right and a wrong one at least
            seen = check_public_pages(browser, codes.new_code())
            if turn % 2:
                victim = victims[index % len(victims)]
                outcome = log_in(browser, victim.email, WRONG_PASSWORD)
                assert outcome != "in", "a wrong password let someone in"
                key = ("wrong", outcome)
            else:
                outcome = log_in(browser, user.email, factories.DEFAULT_PASSWORD)
                assert outcome != "incorrect", "a right password was called wrong"
                if outcome == "in":
                    check_logged_in_then_log_out(browser, user)
                key = ("right", outcome)
            with lock:
                outcomes[key] += 1
                outcomes[("verify", seen)] += 1
                if key == ("wrong", "incorrect"):
                    failures_per_victim[victim.pk] += 1
            turn += 1

    started = time.monotonic()
    errors = run_clients(clients, client, LOAD_SECONDS)
    elapsed = time.monotonic() - started

    print(f"{clients} clients, {elapsed:.1f} s: {dict(sorted(outcomes.items()))}")
    assert errors == [], errors[:3]
    log = server.log()
    assert "Internal Server Error" not in log and "Traceback" not in log, log
    # Below every limit, every right password logs in, even all at the same instant.
    if clients < FAILED_PER_MINUTE:
        assert first_logins == ["in"] * clients
    else:
        assert "in" in first_logins and "incorrect" not in first_logins
    # The limits hold under concurrency: never more accepted than they allow in the time spent
    # (the rest answered 429, or the form's "too many failures"; never a 500).
    minutes = windows(elapsed, 60)
    logins = {key: n for key, n in outcomes.items() if key[0] != "verify"}
    login_forms = sum(logins.values())
    refused = sum(n for (_kind, seen), n in logins.items() if seen == "limited")
    assert login_forms - refused <= LOGIN_PER_MINUTE * minutes, outcomes
    assert outcomes[("wrong", "incorrect")] <= FAILED_PER_MINUTE * minutes, outcomes
    for count in failures_per_victim.values():
        assert count <= FAILED_PER_ACCOUNT * windows(elapsed, 300), failures_per_victim
    assert outcomes[("verify", "unknown")] <= VERIFY_PER_MINUTE * minutes, outcomes
    # (A wrong password is checked only while the address may still post the form.)
    if 2 * clients < LOGIN_PER_MINUTE:
        assert outcomes[("wrong", "incorrect")] >= 1, outcomes


def test_failed_logins_lock_the_account_under_concurrency(start_server):
    """Clients hammering one account with wrong passwords at the same instant: at most five are
    even checked, then the right password is refused too (the lockout is counted in the shared
    database cache, so it holds across the server's processes)."""
    victim, bystander = factories.UserFactory(), factories.UserFactory()
    server = start_server()
    # Not more: past 30 login forms a minute from the address, every answer is a 429.
    clients = 8
    outcomes, lock = [], threading.Lock()

    def attacker(_index, _deadline):
        browser = server.browser()
        for _ in range(2):
            outcome = log_in(browser, victim.email, WRONG_PASSWORD)
            with lock:
                outcomes.append(outcome)

    assert run_clients(clients, attacker, 0) == []
    counts = collections.Counter(outcomes)
    assert "in" not in counts
    assert 1 <= counts["incorrect"] <= FAILED_PER_ACCOUNT, counts
    assert counts["locked"] + counts["limited"] == len(outcomes) - counts["incorrect"]
    # Each wrong password checked counted against the account: once five, even the right one
    # is refused. (Fewer only if allauth gave up waiting for its cache lock, which refuses too.)
    if counts["incorrect"] == FAILED_PER_ACCOUNT:
        assert log_in(server.browser(), victim.email, factories.DEFAULT_PASSWORD) == "locked"

    # The failures also count per address, 10 a minute. Every client here has the same one, as
    # every visitor has behind a reverse proxy that Socle does not trust for X-Forwarded-For:
    # once failures on other accounts fill it, nobody can log in from there.
    for number in range(FAILED_PER_MINUTE):
        if log_in(server.browser(), f"inconnu{number}@exemple.test", WRONG_PASSWORD) == "locked":
            break
    else:
        raise AssertionError("ten failures a minute from one address were all checked")
    assert log_in(server.browser(), bystander.email, factories.DEFAULT_PASSWORD) == "locked"
    assert "Internal Server Error" not in server.log()
