"""`cxhub clv fit` and `cxhub clv score`: customer lifetime value from any transaction file.

The edge only: read the file (CSV or whitespace-separated, with or without a header), turn it
into the RFM summary, call the models of `cxhub.analytics.clv` and print or write the result.
Usage errors (a missing file or column) exit with 2, data the models cannot use (an unparseable
date or amount, no repeat customers) with 1; neither shows a traceback. No database is touched.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import typer

from cxhub.analytics.clv import bgnbd, gamma_gamma
from cxhub.analytics.clv._fitting import FitError
from cxhub.analytics.clv.clv import customer_values
from cxhub.analytics.clv.summary import RfmSummary, TimeUnit, summarise_transactions
from cxhub.cli.context import fail

USAGE_ERROR = 2
DATA_ERROR = 1
HOLDOUT_FREQUENCY_CAP = 7  # the "by frequency" table groups 7 and more repeat purchases

clv_app = typer.Typer(
    help="Customer lifetime value: BG/NBD purchases and Gamma-Gamma spend from a transaction file.",
    no_args_is_help=True,
)

TRANSACTIONS = typer.Option(
    ..., "--transactions", help="Transaction file: CSV or whitespace-separated, one row a purchase."
)
CUSTOMER = typer.Option(
    ..., "--customer", help="Customer id column: a header name, or a 1-based position."
)
DATE = typer.Option(..., "--date", help="Purchase date column: a header name or a position.")
AMOUNT = typer.Option(None, "--amount", help="Amount column (enables the Gamma-Gamma spend model).")
DATE_FORMAT = typer.Option(
    None,
    "--date-format",
    help="strptime format of the dates, e.g. %Y%m%d (default: ISO 8601, with or without dashes).",
)
CALIBRATION_END = typer.Option(
    None,
    "--calibration-end",
    help="Last day (YYYY-MM-DD) of the calibration period; later purchases form the holdout.",
)
TIME_UNIT = typer.Option(TimeUnit.weeks, "--time-unit", help="Time unit of the model.")
NO_HEADER = typer.Option(
    False, "--no-header", help="The file has no header row: columns are 1-based positions."
)
DELIMITER = typer.Option(
    None,
    "--delimiter",
    help="Field separator: a character, or 'whitespace' (default: guessed from the first line).",
)


@dataclass(frozen=True)
class TransactionColumns:
    customer: str
    date: str
    amount: str | None


def _date_parser(date_format: str | None) -> Callable[[str], date]:
    cache: dict[str, date] = {}

    def parse(text: str) -> date:
        value = cache.get(text)
        if value is None:
            if date_format is not None:
                value = datetime.strptime(text, date_format).date()
            else:
                try:
                    value = date.fromisoformat(text)
                except ValueError:
                    value = datetime.fromisoformat(text).date()
            cache[text] = value
        return value

    return parse


def _rows(path: Path, delimiter: str | None) -> Iterator[list[str]]:
    """The file's fields row by row; an unreadable file is a one-line error, never a traceback."""
    try:
        yield from _split_rows(path, delimiter)
    except UnicodeDecodeError as exc:
        message = f"cannot read {path} as UTF-8: {exc.reason} at byte {exc.start}"
        raise fail(message, DATA_ERROR) from None
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}", USAGE_ERROR) from None


def _split_rows(path: Path, delimiter: str | None) -> Iterator[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        if delimiter is None:
            delimiter = next((c for c in (",", "\t", ";", "|") if c in first), "whitespace")
        if delimiter.lower() in {"whitespace", " "}:
            for line in handle:
                fields = line.split()
                if fields:
                    yield fields
        else:
            separator = "\t" if delimiter in {"\\t", "tab"} else delimiter
            if len(separator) != 1:
                raise fail(
                    f"--delimiter must be one character or 'whitespace', got {delimiter!r}",
                    USAGE_ERROR,
                )
            for fields in csv.reader(handle, delimiter=separator):
                if fields and any(field.strip() for field in fields):
                    yield [field.strip() for field in fields]


def _column_index(spec: str, header: list[str] | None, option: str) -> int:
    if header is not None:
        if spec in header:
            return header.index(spec)
        lowered = [name.lower() for name in header]
        if spec.lower() in lowered:
            return lowered.index(spec.lower())
    if (
        spec.isascii()
        and spec.isdigit()
        and int(spec) >= 1
        and (header is None or int(spec) <= len(header))
    ):
        return int(spec) - 1
    if header is None:
        raise fail(
            f"{option} {spec!r}: without a header give a 1-based column position", USAGE_ERROR
        )
    raise fail(
        f"{option} {spec!r} is not a column of the file (columns: {', '.join(header)})", USAGE_ERROR
    )


def read_transactions(
    path: Path,
    columns: TransactionColumns,
    *,
    date_format: str | None,
    has_header: bool,
    delimiter: str | None,
) -> tuple[list[str], list[date], list[float] | None]:
    if not path.is_file():
        raise fail(f"file not found: {path}", USAGE_ERROR)
    rows = _rows(path, delimiter)
    header = next(rows, None) if has_header else None
    if has_header and header is None:
        raise fail(f"{path} is empty", DATA_ERROR)
    customer_at = _column_index(columns.customer, header, "--customer")
    date_at = _column_index(columns.date, header, "--date")
    amount_at = (
        None if columns.amount is None else _column_index(columns.amount, header, "--amount")
    )
    parse_date = _date_parser(date_format)
    ids: list[str] = []
    dates: list[date] = []
    amounts: list[float] | None = None if amount_at is None else []
    widest = max(i for i in (customer_at, date_at, amount_at) if i is not None)
    for number, fields in enumerate(rows, start=2 if has_header else 1):
        if len(fields) <= widest:
            raise fail(
                f"line {number}: {len(fields)} fields, column {widest + 1} is missing", DATA_ERROR
            )
        try:
            dates.append(parse_date(fields[date_at]))
        except ValueError:
            hint = "" if date_format else " (give --date-format)"
            raise fail(
                f"line {number}: cannot read the date {fields[date_at]!r}{hint}", DATA_ERROR
            ) from None
        if amounts is not None and amount_at is not None:
            try:
                value = float(fields[amount_at].replace(",", "") or "nan")
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise fail(
                    f"line {number}: cannot read the amount {fields[amount_at]!r}", DATA_ERROR
                )
            amounts.append(value)
        ids.append(fields[customer_at])
    if not ids:
        raise fail(f"{path} holds no transactions", DATA_ERROR)
    return ids, dates, amounts


def _summary(
    transactions: Path,
    columns: TransactionColumns,
    *,
    date_format: str | None,
    calibration_end: str | None,
    time_unit: TimeUnit,
    no_header: bool,
    delimiter: str | None,
) -> RfmSummary:
    end = None
    if calibration_end is not None:
        try:
            end = date.fromisoformat(calibration_end)
        except ValueError:
            raise fail(
                f"--calibration-end {calibration_end!r} is not a date (YYYY-MM-DD)", USAGE_ERROR
            ) from None
    ids, dates, amounts = read_transactions(
        transactions,
        columns,
        date_format=date_format,
        has_header=not no_header,
        delimiter=delimiter,
    )
    try:
        summary = summarise_transactions(
            ids, dates, amounts, calibration_end=end, time_unit=time_unit
        )
    except ValueError as exc:
        raise fail(str(exc), DATA_ERROR) from None
    if len(summary) == 0:
        raise fail("no customer made a first purchase by the calibration end", DATA_ERROR)
    return summary


def _fit_models(
    summary: RfmSummary, with_spend: bool
) -> tuple[bgnbd.BgNbdFit, gamma_gamma.GammaGammaFit | None]:
    try:
        purchases = bgnbd.fit(summary.frequency, summary.recency, summary.age)
        spend = gamma_gamma.fit(summary.frequency, summary.monetary_value) if with_spend else None
    except FitError as exc:
        raise fail(str(exc), DATA_ERROR) from None
    return purchases, spend


def _holdout_report(summary: RfmSummary, params: bgnbd.BgNbdParams) -> dict[str, Any]:
    assert summary.holdout_frequency is not None
    assert summary.holdout_duration is not None
    actual = summary.holdout_frequency
    predicted = bgnbd.conditional_expected_transactions(
        params, summary.holdout_duration, summary.frequency, summary.recency, summary.age
    )
    capped = np.minimum(summary.frequency, HOLDOUT_FREQUENCY_CAP).astype(int)
    table = []
    for x in range(HOLDOUT_FREQUENCY_CAP + 1):
        members = capped == x
        if not members.any():
            continue
        table.append(
            {
                "frequency": f"{x}+" if x == HOLDOUT_FREQUENCY_CAP else str(x),
                "customers": int(members.sum()),
                "actual_mean": round(float(actual[members].mean()), 4),
                "predicted_mean": round(float(predicted[members].mean()), 4),
            }
        )
    return {
        "start": summary.calibration_end.isoformat(),
        "end": None if summary.holdout_end is None else summary.holdout_end.isoformat(),
        "duration": round(summary.holdout_duration, 4),
        "actual_total": float(actual.sum()),
        "predicted_total": round(float(predicted.sum()), 2),
        "mae_per_customer": round(float(np.abs(predicted - actual).mean()), 4),
        "by_frequency": table,
    }


def _sig(value: float) -> float:
    return float(f"{value:.6g}")


@clv_app.command("fit")
def fit_command(
    transactions: Path = TRANSACTIONS,
    customer: str = CUSTOMER,
    date_column: str = DATE,
    amount: str | None = AMOUNT,
    date_format: str | None = DATE_FORMAT,
    calibration_end: str | None = CALIBRATION_END,
    time_unit: TimeUnit = TIME_UNIT,
    no_header: bool = NO_HEADER,
    delimiter: str | None = DELIMITER,
) -> None:
    """Fit BG/NBD (and Gamma-Gamma with --amount); print one JSON object."""
    summary = _summary(
        transactions,
        TransactionColumns(customer, date_column, amount),
        date_format=date_format,
        calibration_end=calibration_end,
        time_unit=time_unit,
        no_header=no_header,
        delimiter=delimiter,
    )
    purchases, spend = _fit_models(summary, with_spend=amount is not None)
    p = purchases.params
    report: dict[str, Any] = {
        "customers": len(summary),
        "repeat_customers": int((summary.frequency > 0).sum()),
        "time_unit": summary.time_unit.value,
        "calibration_end": summary.calibration_end.isoformat(),
        "bgnbd": {
            "r": _sig(p.r),
            "alpha": _sig(p.alpha),
            "a": _sig(p.a),
            "b": _sig(p.b),
            "log_likelihood": round(purchases.log_likelihood, 4),
        },
    }
    if spend is not None:
        s = spend.params
        correlation = spend.frequency_spend_correlation
        report["gamma_gamma"] = {
            "p": _sig(s.p),
            "q": _sig(s.q),
            "gamma": _sig(s.gamma),
            "log_likelihood": round(spend.log_likelihood, 4),
            "customers": spend.customers,
            "frequency_spend_correlation": None if correlation is None else round(correlation, 4),
        }
    if calibration_end is not None:
        report["holdout"] = _holdout_report(summary, p)
    typer.echo(json.dumps(report))


@clv_app.command("score")
def score_command(
    transactions: Path = TRANSACTIONS,
    customer: str = CUSTOMER,
    date_column: str = DATE,
    output: Path = typer.Option(
        ..., "--output", "-o", help="CSV file to write, one row a customer."
    ),
    amount: str | None = AMOUNT,
    date_format: str | None = DATE_FORMAT,
    calibration_end: str | None = CALIBRATION_END,
    time_unit: TimeUnit = TIME_UNIT,
    no_header: bool = NO_HEADER,
    delimiter: str | None = DELIMITER,
    horizon_months: int = typer.Option(
        12, "--horizon-months", min=1, help="CLV horizon in months."
    ),
    discount_rate: float = typer.Option(
        0.01, "--discount-rate", min=0.0, help="Monthly discount rate (0.01 = 1 % a month)."
    ),
    margin: float = typer.Option(
        1.0, "--margin", min=0.0, help="Profit margin applied to spend (1 = revenue)."
    ),
) -> None:
    """Write expected purchases, P(alive), expected spend and CLV per customer."""
    summary = _summary(
        transactions,
        TransactionColumns(customer, date_column, amount),
        date_format=date_format,
        calibration_end=calibration_end,
        time_unit=time_unit,
        no_header=no_header,
        delimiter=delimiter,
    )
    purchases, spend = _fit_models(summary, with_spend=amount is not None)
    try:
        values = customer_values(
            purchases.params,
            None if spend is None else spend.params,
            summary.frequency,
            summary.recency,
            summary.age,
            summary.monetary_value,
            time_unit=summary.time_unit,
            horizon_months=horizon_months,
            monthly_discount_rate=discount_rate,
            margin=margin,
        )
    except (FitError, ValueError) as exc:
        raise fail(str(exc), DATA_ERROR) from None
    try:
        with output.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "customer",
                    "frequency",
                    "recency",
                    "T",
                    "monetary_value",
                    "expected_purchases",
                    "p_alive",
                    "expected_spend",
                    "clv",
                ]
            )
            for i, name in enumerate(summary.customer_ids):
                writer.writerow(
                    [
                        name,
                        int(summary.frequency[i]),
                        f"{summary.recency[i]:.4f}",
                        f"{summary.age[i]:.4f}",
                        f"{summary.monetary_value[i]:.2f}",
                        f"{values.expected_purchases[i]:.4f}",
                        f"{values.probability_alive[i]:.4f}",
                        f"{values.expected_spend[i]:.2f}",
                        f"{values.clv[i]:.2f}",
                    ]
                )
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror}", USAGE_ERROR) from None
    typer.echo(
        f"wrote {len(summary)} customers to {output} "
        f"(horizon {horizon_months} months, discount {discount_rate:g} a month, "
        f"total CLV {float(values.clv.sum()):.2f})"
    )
