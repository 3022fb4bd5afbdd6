"""The load benchmark's users (`manage.py bench_load` runs it; see tools/bench/load/run.py).

Caseworkers of several agencies search (40 %), open records (30 %), check an intake for
duplicates (15 %), edit a record's contact section through the real form with its
version (10 %) and look at their inbox or a handover form (5 %); supervisors page through
the audit log and a record's accesses. Everyone signs in through the real sign-in page
(the portal runs with SECOND_FACTOR_REQUIRED=0). What to search and open comes from the
plan `bench_load` writes (BENCH_PLAN): names, record ids visible to each agency.

Request names (the rows of the statistics) are the actions, not the URLs.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.loads(open(os.environ["BENCH_PLAN"], encoding="utf-8").read())  # noqa: SIM115
PASSWORD = PLAN["password"]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_caseworkers = itertools.cycle(PLAN["caseworkers"])
_supervisors = itertools.cycle(PLAN["supervisors"])
_edit_slot = itertools.count()


class _FormFields(HTMLParser):
    """The fields of the first form with a `seen_version` (the edit form) as a browser
    would submit them: inputs, checked boxes, selected options, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data) -> None:
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False


class _Staff(FastHttpUser):
    abstract = True
    wait_time = between(0.2, 1.2)

    def sign_in(self, account: dict) -> None:
        self.account = account
        self.agency = PLAN["agencies"][account["agency"]]
        page = self.client.get("/login/", name="sign-in page")
        token = _CSRF.search(page.text or "")
        with self.client.post(
            "/login/",
            data={
                "username": account["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="sign-in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"sign-in refused ({response.status_code})")

    def _csrf_token(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def expect(self, response, *statuses: int) -> None:
        if response.status_code not in statuses:
            response.failure(f"status {response.status_code}")
        else:
            response.success()


class Caseworker(_Staff):
    weight = 9

    def on_start(self) -> None:
        self.sign_in(next(_caseworkers))
        # Each caseworker edits records of its own slice: two users never race for one.
        slot = next(_edit_slot)
        own = self.agency["own"]
        self.editable = own[slot % 16 :: 16] or own

    @task(40)
    def search(self) -> None:
        name = random.choice(self.agency["names"])  # noqa: S311
        with self.client.post(
            "/clients/",
            data={"name": name, "csrfmiddlewaretoken": self._csrf_token()},
            name="search",
            catch_response=True,
        ) as response:
            self.expect(response, 200)

    @task(30)
    def record(self) -> None:
        pk = random.choice(self.agency["visible"])  # noqa: S311
        with self.client.get(f"/clients/{pk}/", name="record", catch_response=True) as response:
            self.expect(response, 200)

    @task(15)
    def duplicate_check(self) -> None:
        person = random.choice(self.agency["people"])  # noqa: S311
        with self.client.post(
            "/clients/new/duplicates/",
            data={**person, "csrfmiddlewaretoken": self._csrf_token()},
            headers={"HX-Request": "true"},
            name="duplicate check",
            catch_response=True,
        ) as response:
            self.expect(response, 200)

    @task(10)
    def edit(self) -> None:
        pk = random.choice(self.editable)  # noqa: S311
        url = f"/clients/{pk}/edit/contact/"
        with self.client.get(url, name="edit form", catch_response=True) as page:
            self.expect(page, 200)
        if page.status_code != 200:
            return
        parser = _FormFields()
        parser.feed(page.text or "")
        fields = [(k, v) for k, v in parser.fields if k != "email"]
        fields.append(("email", f"bench{random.randrange(10**6)}@example.org"))  # noqa: S311
        with self.client.post(
            url,
            data=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            name="edit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self.expect(response, 302)

    @task(3)
    def inbox(self) -> None:
        with self.client.get("/inbox/", name="inbox", catch_response=True) as response:
            self.expect(response, 200)

    @task(2)
    def handover(self) -> None:
        pk = random.choice(self.agency["own"])  # noqa: S311
        with self.client.get(
            f"/clients/{pk}/handover/", name="handover form", catch_response=True
        ) as response:
            self.expect(response, 200)


class Supervisor(_Staff):
    weight = 1

    def on_start(self) -> None:
        self.sign_in(next(_supervisors))

    @task(3)
    def audit_log(self) -> None:
        with self.client.get("/audit/", name="audit log", catch_response=True) as response:
            self.expect(response, 200)
        found = re.search(r'href="\?[^"]*after=(\d+)', response.text or "")
        if found:
            with self.client.get(
                f"/audit/?after={found.group(1)}", name="audit log, next page", catch_response=True
            ) as response:
                self.expect(response, 200)

    @task(2)
    def record_accesses(self) -> None:
        pk = random.choice(self.agency["own"])  # noqa: S311
        with self.client.get(
            f"/audit/clients/{pk}/", name="audit: record accesses", catch_response=True
        ) as response:
            self.expect(response, 200)


class Floor(FastHttpUser):
    """`bench_load --floor` (only then): /healthz as fast as answered. It passes every
    middleware but signs nobody in and renders nothing, so its requests/s bound what any
    page can reach with gunicorn and locust sharing this machine."""

    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        with self.client.get("/healthz", name="floor: /healthz", catch_response=True) as r:
            self.expect(r, 200)

    expect = _Staff.expect
