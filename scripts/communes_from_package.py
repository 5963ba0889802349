"""Write the province's shipped list of communes and wards from the `vietnam-provinces` package.

    .venv/bin/python scripts/communes_from_package.py [--province "Thái Nguyên"]

The package (GPL-3.0-or-later, dev extra) carries the statistics office's list of administrative units after
the July 2025 reform. The registry ships the CSV this writes (traceability/reference/data/communes.csv) and
loads it with a migration, so a running install does not need the package; tests/reference/test_lists.py
checks the CSV still equals the package's list. After a change, add a migration as the CSV's docstring says.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from vietnam_provinces import Province, VietNamDivisionType, Ward
from vietnam_provinces import __data_version__ as DATA_VERSION

OUT = Path(__file__).resolve().parent.parent / "traceability" / "reference" / "data" / "communes.csv"
KINDS = {
    VietNamDivisionType.XA: "commune",
    VietNamDivisionType.PHUONG: "ward",
    VietNamDivisionType.DAC_KHU: "special_zone",
}


def rows(province_name: str) -> list[dict[str, str]]:
    province = next(p for p in Province.iter_all() if p.name == province_name)
    wards = sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code))
    return [
        {"code": f"{int(w.code):05d}", "name": w.name, "kind": KINDS[w.division_type], "province": province.name}
        for w in wards
    ]


def write(path: Path, province_name: str) -> int:
    found = rows(province_name)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["code", "name", "kind", "province"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(found)
    return len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="Thái Nguyên")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    count = write(args.out, args.province)
    print(f"{count} communes and wards of {args.province} (package data of {DATA_VERSION}) written to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
