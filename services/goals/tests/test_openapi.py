"""The goals API as integrators read it: every operation documented, its errors declared."""


async def test_every_operation_says_what_it_does_and_how_it_fails(app):
    spec = app.openapi()
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if path.startswith("/api/v1/goals/") and not path.startswith("/api/v1/goals/scim")
    ]
    assert len(operations) > 50
    for path, method, op in operations:
        assert op.get("description") or op.get("summary"), (method, path)
        if method != "get" or "{" in path:
            failures = [code for code in op["responses"] if code.startswith(("4", "5"))]
            assert failures, (method, path)
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids))
