"""Rebuild accounts/data/postal_main_communes.csv: for each postal code shared by several
communes, the main one (the most populous), which the commune picker lists first (« 80200 »
finds Péronne before the villages it serves).

Input: `communes.json` of the npm package @etalab/decoupage-administratif (INSEE legal
populations, Licence Ouverte 2.0):

    npm pack @etalab/decoupage-administratif && tar xzf etalab-decoupage-administratif-*.tgz
    python scripts/postal_main_communes.py package/data/communes.json
"""

import csv
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "accounts" / "data"


def main(communes_json):
    population = {
        row["code"]: row.get("population") or 0
        for row in json.loads(Path(communes_json).read_text(encoding="utf-8"))
        if row.get("type") == "commune-actuelle"
    }
    by_postal = {}
    with open(DATA / "communes_postal.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for postal in (part.strip() for part in row["code_postal"].split(",")):
                by_postal.setdefault(postal, []).append(row["code_insee"])
    rows = []
    for postal, insee_codes in sorted(by_postal.items()):
        if len(insee_codes) < 2:
            continue
        # Ties (or communes unknown to the population file) go to the smallest INSEE code.
        main_code = max(sorted(insee_codes), key=lambda code: population.get(code, 0))
        rows.append((postal, main_code))
    with open(DATA / "postal_main_communes.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code_postal", "code_insee"])
        writer.writerows(rows)
    print(f"{len(rows)} postal codes shared by several communes")


if __name__ == "__main__":
    main(sys.argv[1])
