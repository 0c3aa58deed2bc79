"""The API as documented: every operation under /api/v1/reviews, described, with its
error answers declared."""


async def test_every_operation_is_described_and_declares_its_errors(app):
    spec = app.openapi()
    operations = [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) >= 40
    for path, method, operation in operations:
        assert path.startswith("/api/v1/reviews/"), path
        assert operation.get("description"), (method, path)
        assert operation["operationId"].startswith("reviews_"), (method, path)
        if path.endswith("/me"):
            continue
        assert {"401", "422"} <= set(operation["responses"]), (method, path)
    ids = [o["operationId"] for _, _, o in operations]
    assert len(ids) == len(set(ids))
    external = [p for p in spec["paths"] if "/external/" in p]
    assert external
    assert all(p.startswith("/api/v1/reviews/external/invitations/{token}") for p in external)
