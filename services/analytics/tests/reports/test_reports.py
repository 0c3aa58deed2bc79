"""The HTML reports: structure checked by parsing (radar polygons against hand-computed
coordinates, item table, strengths and gaps), text escaped, withheld groups invisible down
to the byte, access per person; the distribution chart's bars against hand counts."""

import uuid
from html.parser import HTMLParser
from typing import Any

from sqlmodel import select

from strata_analytics.models import Job
from strata_analytics.ratings.pull import KIND as PULL
from strata_contracts.identity import Role
from strata_contracts.reviews.vocabulary import Relationship

R = "/api/v1/analytics/reports"
SUP, PEER, CUST, SELF = (
    Relationship.SUPERVISOR,
    Relationship.PEER,
    Relationship.CUSTOMER,
    Relationship.SELF,
)


VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})


class Page(HTMLParser):
    """Every element with its attributes and its own text, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict[str, Any]] = []
        self.stack: list[dict[str, Any]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": list(self.stack)}
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(
            {"tag": tag, "attrs": dict(attrs), "text": "", "parents": list(self.stack)}
        )

    def handle_endtag(self, tag: str) -> None:
        assert any(e["tag"] == tag for e in self.stack), f"</{tag}> closes nothing"
        while self.stack.pop()["tag"] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element["text"] += data

    def all(self, tag: str, **attrs: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.elements
            if e["tag"] == tag and all(e["attrs"].get(k) == v for k, v in attrs.items())
        ]

    def inside(self, section: str, tag: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.elements
            if e["tag"] == tag
            and any(p["tag"] == "section" and p["attrs"].get("id") == section for p in e["parents"])
        ]

    def table(self, section: str) -> list[list[str]]:
        return [
            [c["text"].strip() for c in self.elements if c["tag"] == "td" and row in c["parents"]]
            for row in self.inside(section, "tr")
            if any(c["tag"] == "td" and row in c["parents"] for c in self.elements)
        ]


def item(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


async def three_sixty(world, consumer, comments=None, name=None):  # type: ignore[no-untyped-def]
    """Four competencies of one item each (keys sort a, b, c, d), scale 1 to 5."""
    from types import SimpleNamespace

    world.competencies = [
        SimpleNamespace(id=uuid.uuid4(), key=key, name=name, items=[item(n)])
        for n, (key, name) in enumerate(
            [
                ("a_comm", "Communication"),
                ("b_lead", "Leadership <b>bold</b>"),
                ("c_admin", "Administrative ability"),
                ("d_inter", "Interpersonal relations"),
            ],
            start=1,
        )
    ]
    world.org_unit("Sales", world.unit)
    boss = world.employee("Jonas Brandt")
    ratee = world.employee("Lena Fischer", manager=boss)
    campaign = world.campaign(
        {
            ratee: [
                (SELF, "lena", [5, 3, 1, 4]),
                (SUP, "jonas", [4, 4, 4, 4]),
                (PEER, "p1", [3, 5, 2, 4]),
                (PEER, "p2", [4, 5, 2, 4]),
                (PEER, "p3", [5, 5, 2, 4]),
                (CUST, "c1", [1, 1, 1, 1]),
                (CUST, "c2", [2, 2, 2, 2]),
            ]
        },
        comments={
            ratee: comments
            or [
                (SELF, "lena", "I plan well"),
                (PEER, "p1", "Great mentor <script>alert('x')</script>"),
                (PEER, "p2", "Always on time"),
                (CUST, "c1", "Secret customer remark"),
            ]
        },
        name=name,
    )
    await world.sync(consumer)
    return boss, ratee, campaign


class TestAccess:
    async def test_the_employee_their_manager_and_hr_only(
        self, client, world, consumer, identity_headers
    ):
        boss, ratee, campaign = await three_sixty(world, consumer)
        url = f"{R}/360/{ratee}/{campaign}"
        assert (await client.get(url)).status_code == 401
        denied = [
            identity_headers(Role.EMPLOYEE, employee_id=uuid.uuid4()),
            identity_headers(Role.MANAGER, employee_id=uuid.uuid4()),
            identity_headers(Role.INTEGRATION),
            identity_headers(Role.EMPLOYEE, employee_id=boss),  # the boss, but not as manager
        ]
        for headers in denied:
            response = await client.get(url, headers=headers)
            assert response.status_code == 403
            assert response.headers["content-type"] == "application/problem+json"
        allowed = [
            identity_headers(Role.EMPLOYEE, employee_id=ratee),
            identity_headers(Role.MANAGER, employee_id=boss),
            identity_headers(Role.HR),
            identity_headers(Role.ADMIN),
        ]
        bodies = set()
        for headers in allowed:
            response = await client.get(url, headers=headers)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("text/html")
            bodies.add(response.content)
        assert len(bodies) == 1  # everyone gets the same document
        other_tenant = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await client.get(url, headers=other_tenant)).status_code == 404
        unknown = f"{R}/360/{ratee}/{uuid.uuid4()}"
        assert (await client.get(unknown, headers=identity_headers(Role.HR))).status_code == 404

    async def test_the_distribution_is_for_hr(self, client, world, identity_headers):
        url = f"{R}/distribution?cycle_id={world.cycle}"
        assert (await client.get(url)).status_code == 401
        for role in (Role.MANAGER, Role.EMPLOYEE, Role.INTEGRATION):
            headers = identity_headers(role, employee_id=uuid.uuid4())
            assert (await client.get(url, headers=headers)).status_code == 403

    async def test_the_media_type_is_documented(self, client, identity_headers):
        spec = (await client.get("/openapi.json", headers=identity_headers(Role.HR))).json()
        for path in (f"{R}/360/{{employee_id}}/{{campaign_id}}", f"{R}/distribution"):
            content = spec["paths"][path]["get"]["responses"]["200"]["content"]
            assert list(content) == ["text/html"]


class TestIndividual360:
    async def test_radar_polygons_match_hand_computed_points(
        self, client, world, consumer, identity_headers
    ):
        _, ratee, campaign = await three_sixty(world, consumer)
        html = (await client.get(f"{R}/360/{ratee}/{campaign}", headers=identity_headers())).text
        page = Page(html)
        # Centre (180, 180), radius 120, scale 1..5; axes up, right, down, left.
        # Self 5, 3, 1, 4 -> radii 120, 60, 0, 90.
        [self_polygon] = page.all("polygon", **{"data-series": "Self"})
        assert self_polygon["attrs"]["points"] == (
            "180.00,60.00 240.00,180.00 180.00,180.00 90.00,180.00"
        )
        # Others (supervisor and peers; customers withheld): 4.00, 4.75, 2.50, 4.00
        # -> radii 90, 112.5, 45, 90.
        [others] = page.all("polygon", **{"data-series": "Others"})
        assert others["attrs"]["points"] == (
            "180.00,90.00 292.50,180.00 180.00,225.00 90.00,180.00"
        )
        labels = [e["text"] for e in page.all("text", **{"class": "axis-label"})]
        assert labels == [
            "Communication",
            "Leadership <b>bold</b>",
            "Administrative ability",
            "Interpersonal relations",
        ]
        assert "Leadership &lt;b&gt;bold&lt;/b&gt;" in html
        assert len(page.all("polygon", **{"class": "ring"})) == 4

    async def test_item_table_strengths_and_gaps(self, client, world, consumer, identity_headers):
        _, ratee, campaign = await three_sixty(world, consumer)
        html = (await client.get(f"{R}/360/{ratee}/{campaign}", headers=identity_headers())).text
        page = Page(html)
        headers = [e["text"].strip() for e in page.inside("items", "th")]
        assert headers[-2:] == ["Supervisor", "Peers"]  # no column for withheld customers
        text = f"Item {item(2)}"
        rows = {r[0]: r[1:] for r in page.table("items")}
        # self 3; others (4 + 5 + 5 + 5) / 4; 4 ratings; +1.75; supervisor 4; peers 5.
        assert rows[text] == [
            "Leadership <b>bold</b>",
            "3.00",
            "4.75",
            "4",
            "+1.75",
            "4.00",
            "5.00",
        ]
        assert rows[f"Item {item(3)}"] == [
            "Administrative ability",
            "1.00",
            "2.50",
            "4",
            "+1.50",
            "4.00",
            "2.00",
        ]
        strengths = [e["text"] for e in page.inside("highlights", "li")][:3]
        assert strengths == [
            f"Item {item(2)} (4.75)",
            f"Item {item(1)} (4.00)",  # ties go by item text
            f"Item {item(4)} (4.00)",
        ]
        gaps = [e["text"] for e in page.all("ol", id="gaps")[0:1]]
        assert gaps[0].split() == ["Item", str(item(3)), "(2.50)"]
        groups = {r[0]: r[1] for r in page.table("groups")}
        assert groups["Peers"] == "3"
        assert groups["Customers"].startswith("withheld")

    async def test_comments_are_escaped_and_withheld_groups_unseen(
        self, client, world, consumer, identity_headers
    ):
        _, ratee, campaign = await three_sixty(world, consumer)
        html = (await client.get(f"{R}/360/{ratee}/{campaign}", headers=identity_headers())).text
        page = Page(html)
        assert page.all("script") == []
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
        quotes = [e["text"] for e in page.inside("comments", "blockquote")]
        assert quotes == [
            "I plan well",
            "Always on time",
            "Great mentor <script>alert('x')</script>",
        ]
        assert "Secret customer remark" not in html
        assert "key-" not in html  # no rater key
        # Printable, self-contained: A4 print rules, no external asset, no script at all.
        assert "@media print" in html
        assert "size: A4" in html
        assert not any(e["attrs"].get("src") or e["attrs"].get("href") for e in page.elements)

    async def test_a_withheld_raters_answers_change_nothing(
        self, client, world, consumer, reviews, identity_headers, db_session
    ):
        _, ratee, campaign = await three_sixty(world, consumer)
        url = f"{R}/360/{ratee}/{campaign}"
        before = (await client.get(url, headers=identity_headers())).content

        async def repull() -> bytes:
            db_session.add(Job(kind=PULL, payload={"campaign_id": str(campaign)}, requested_by="t"))
            await db_session.commit()
            await world.sync(consumer)
            jobs = (await db_session.exec(select(Job).where(Job.kind == PULL))).all()
            assert {j.status for j in jobs} == {"succeeded"}
            return (await client.get(url, headers=identity_headers())).content

        for index, answer in enumerate(reviews.answers):
            if answer.relationship is Relationship.CUSTOMER:
                reviews.answers[index] = answer.model_copy(
                    update={
                        "value": None if answer.value is None else 6 - answer.value,
                        "comment": None if answer.comment is None else "Changed remark",
                    }
                )
        assert await repull() == before
        # The same change to a shown peer does change the report (the test can fail).
        for index, answer in enumerate(reviews.answers):
            if answer.rater_key == "key-p3" and answer.value is not None:
                reviews.answers[index] = answer.model_copy(update={"value": 1})
        assert await repull() != before


class TestDistribution:
    async def test_raw_calibrated_and_guideline_bars(
        self, client, world, example, identity_headers
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        guideline = [
            {"band": "1", "share": "10"},
            {"band": "2", "share": "20"},
            {"band": "3", "share": "40"},
            {"band": "4", "share": "20"},
            {"band": "5", "share": "10"},
        ]
        session = (
            await client.post(
                "/api/v1/analytics/calibration-sessions",
                json={"name": "Sales <H1>", "cycle_id": str(world.cycle), "guideline": guideline},
                headers=hr,
            )
        ).json()
        await client.post(
            f"/api/v1/analytics/calibration-sessions/{session['id']}/adjustments",
            json={"employee_id": str(people["Omar"]), "calibrated_band": "4", "reason": "Panel"},
            headers=hr,
        )
        for query in (f"cycle_id={world.cycle}", f"calibration_session_id={session['id']}"):
            response = await client.get(f"{R}/distribution?{query}", headers=hr)
            assert response.status_code == 200, response.text
            page = Page(response.text)
            # Lena 3, Omar 5 (calibrated 4), Clara 1, Tom 3.
            assert page.table("table") == [
                ["1", "Unsatisfactory", "1", "1", "0.4"],
                ["2", "Needs improvement", "0", "0", "0.8"],
                ["3", "Meets expectations", "2", "2", "1.6"],
                ["4", "Exceeds expectations", "0", "1", "0.8"],
                ["5", "Outstanding", "1", "0", "0.4"],
            ]
            heights = {
                (r["attrs"]["data-band"], r["attrs"]["data-series"]): r["attrs"]["height"]
                for r in page.all("rect")
            }
            # The tallest value (2) is 200 units high.
            assert heights[("3", "Raw")] == "200.00"
            assert heights[("1", "Raw")] == "100.00"
            assert heights[("3", "Guideline")] == "160.00"
            assert heights[("4", "Calibrated")] == "100.00"
            assert heights[("5", "Calibrated")] == "0.00"
        assert "Sales &lt;H1&gt;" in response.text

    async def test_a_cycle_or_a_session(self, client, world, identity_headers):
        hr = identity_headers(Role.HR)
        both = await client.get(
            f"{R}/distribution?cycle_id={world.cycle}&calibration_session_id={uuid.uuid4()}",
            headers=hr,
        )
        assert both.status_code == 422
        assert both.json()["errors"][0]["pointer"] == "/query/cycle_id"
        missing = await client.get(
            f"{R}/distribution?calibration_session_id={uuid.uuid4()}", headers=hr
        )
        assert missing.status_code == 404
