"""Batched upserts into the snapshot tables: one INSERT ... ON CONFLICT per batch, never one per record."""
BATCH_SIZE = 2000

_KEY_FIELDS = {"id", "client", "portal", "external_id"}


def upsert_rows(model, *, client_id, portal_id, rows):
    """Insert or update `rows` (dicts of model fields) by (portal, external_id); return the number written.

    Rows repeating an external_id within the call keep the last one, because PostgreSQL
    rejects an upsert that touches one row twice.
    """
    unique_rows = {row["external_id"]: row for row in rows}
    objects = [model(client_id=client_id, portal_id=portal_id, **row) for row in unique_rows.values()]
    if not objects:
        return 0

    update_fields = [
        field.name for field in model._meta.concrete_fields if field.name not in _KEY_FIELDS
    ]
    model.objects.bulk_create(
        objects,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["portal", "external_id"],
        update_fields=update_fields,
    )
    return len(objects)
