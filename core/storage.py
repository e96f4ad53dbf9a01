"""Files that no row points at. A worker killed between storing a file and committing the row
that names it leaves one behind (a PDF, an export): it names people, and nothing else would
ever delete it."""


def orphan_files_purge(field, top, *, older_than):
    """Delete the files under `top`/<folder>/ of `field`'s storage that no row of its model
    points at and that were last written before `older_than` (a file that recent may belong to
    a row still being committed). Returns how many were deleted."""
    storage = field.storage
    try:
        folders = storage.listdir(top)[0]
    except FileNotFoundError:  # nothing stored yet
        return 0
    recorded = set(
        field.model.objects.exclude(**{field.name: ""}).values_list(field.name, flat=True)
    )
    deleted = 0
    for folder in folders:
        for name in storage.listdir(f"{top}/{folder}")[1]:
            path = f"{top}/{folder}/{name}"
            if path not in recorded and storage.get_modified_time(path) < older_than:
                storage.delete(path)
                deleted += 1
    return deleted
