"""Platform truth: the APIs' evidence objects, profile forms, scheme file names, profile data."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pypdf
import pytest

from evidencekit.manifest import load_case
from evidencekit.model import Case
from evidencekit.outputs.platform import (
    MANIFEST_FIELDS,
    form_json,
    summaries,
    trim_bytes,
    upload_name,
)
from evidencekit.pipeline import BuildOptions, build
from evidencekit.profiles import ProfileError, load_profile, profile_data, profile_names

from .conftest import ROOT, run_cli, write_case

EXAMPLE = ROOT / "examples/stripe-not-received/case.yaml"
DATA = Path(__file__).parent / "data"


def _schema(name: str) -> dict[str, object]:
    schema = json.loads((DATA / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return dict(schema)


@pytest.fixture(scope="module")
def stripe_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, Path]:
    out = tmp_path_factory.mktemp("stripe")
    result = build(EXAMPLE, BuildOptions(out_dir=out))
    return result.case, out


def test_stripe_json_is_the_disputes_api_evidence_object(stripe_out: tuple[Case, Path]) -> None:
    case, out = stripe_out
    schema = _schema("stripe-dispute-evidence.schema.json")
    evidence = json.loads((out / f"{case.info.id}.stripe.json").read_text(encoding="utf-8"))
    jsonschema.validate(evidence, schema, cls=jsonschema.Draft202012Validator)
    props = schema["properties"]
    assert isinstance(props, dict)
    texts = {k: v for k, v in evidence.items() if "maxLength" in props[k]}
    assert sum(map(len, texts.values())) <= 150_000
    # Shipping and customer fields come from the manifest, not from the statement.
    info = case.info
    ship = next(ex.item for ex in case.exhibits if ex.kind == "shipping")
    assert evidence["customer_name"] == next(p.name for p in info.parties if p.role == "cardholder")
    assert evidence["shipping_carrier"] == getattr(ship, "carrier", None)
    assert evidence["shipping_tracking_number"] == getattr(ship, "tracking_number", None)
    assert evidence["shipping_address"] == info.orders[0].ship_to
    first_scan = min(e.at for ex in case.exhibits if ex.kind == "shipping" for e in ex.events)
    assert evidence["shipping_date"] == first_scan.date().isoformat()
    product = next(ex.item for ex in case.exhibits if ex.kind == "product")
    assert evidence["product_description"].startswith(product.title)
    plain = [ln for ln in (case.statement_text or "").splitlines() if "*" not in ln]
    statement = max(plain, key=len)[:60]
    assert statement not in evidence["product_description"]
    assert statement in evidence["uncategorized_text"]
    # Every file field names a file written beside the dossier, holding that field's exhibits.
    files = {k: v for k, v in evidence.items() if k not in texts}
    assert {"shipping_documentation", "uncategorized_file"} <= set(files)
    record = json.loads((out / f"{case.info.id}.evidence.json").read_text(encoding="utf-8"))
    assert record["case"]["form"] == "dispute"  # the record says which form it was made for
    sums = (out / "SHA256SUMS").read_text(encoding="utf-8")
    for name in [*files.values(), f"{case.info.id}.stripe.json"]:
        assert (out / name).is_file() and name in sums
    shipping = pypdf.PdfReader(out / files["shipping_documentation"]).pages[0].extract_text()
    assert "UPS tracking" in shipping


def _small_case(tmp_path: Path, extra: str = "", profile: str = "shopify") -> Case:
    manifest = write_case(
        tmp_path / "c",
        f"""\
        evidencekit: 1
        case:
          id: SH-1
          title: Order 1001 not received
          profile: {profile}
          parties:
            - {{role: merchant, name: Shop, contact: help@shop.example}}
            - {{role: Customer, name: Ana Lima Souza,
               contact: "ana.souza@example.com, +1 555 0100"}}
          orders: [{{id: "1001", ship_to: "12 Harbour St, Portland, ME 04101"}}]
          dispute: {{reason: not received, requested_outcome: Decide for the merchant}}
          statement: The parcel was delivered on time.
        {extra}
        evidence:
          - {{kind: product, title: Listing, description: "A **blue** mug, 350 ml."}}
          - kind: shipping
            title: Tracking
            carrier: USPS
            tracking_number: "9400100000000000000000"
            events: [{{at: 2025-10-01T10:00:00, location: Portland, status: Delivered}}]
          - {{kind: document, title: Refund policy, proves: Shown at checkout}}
        """,
    )
    return load_case(manifest)


def test_shopify_json_is_the_dispute_evidence_update_input(tmp_path: Path) -> None:
    case = _small_case(tmp_path)
    texts = summaries(case, case.profile)
    made = form_json(case, case.profile, {}, texts)
    assert made is not None
    name, data = made
    assert name == "SH-1.shopify.json"
    evidence = json.loads(data)
    jsonschema.validate(evidence, _schema("shopify-dispute-evidence.schema.json"))
    assert evidence["customerEmailAddress"] == "ana.souza@example.com"
    assert (evidence["customerFirstName"], evidence["customerLastName"]) == ("Ana Lima", "Souza")
    assert evidence["shippingAddress"] == {"address1": "12 Harbour St, Portland, ME 04101"}
    assert evidence["uncategorizedFile"] == {"id": "SH-1.pdf"}  # the dossier itself
    assert evidence["refundPolicyDisclosure"] == "Refund policy: Shown at checkout"
    assert evidence["uncategorizedText"].startswith("Request: Decide for the merchant")
    assert evidence["submitEvidence"] is False


def test_masked_email_stays_out_of_the_api_fields(tmp_path: Path) -> None:
    case = _small_case(tmp_path, "  privacy: {mask: [email]}", profile="stripe")
    texts = summaries(case, case.profile)
    assert "customer_email_address" not in texts
    assert texts["customer_name"] == "Ana Lima Souza"
    assert texts["product_description"] == "Listing\nA blue mug, 350 ml."
    assert texts["shipping_date"] == "2025-10-01"


def test_stripe_text_fields_keep_their_limits(tmp_path: Path) -> None:
    case = _small_case(tmp_path, profile="stripe")
    long_case = dataclasses.replace(case, statement_text="Delivered as promised. " * 20_000)
    texts = summaries(long_case, case.profile)
    lim = case.profile.limits
    assert all(len(v) <= lim.text_chars[k] for k, v in texts.items())
    assert texts["uncategorized_text"].endswith("(full text in the attached PDF)")
    # Every field at its cap would pass the combined limit: the account gives way.
    profile = case.profile.model_copy(
        update={"limits": lim.model_copy(update={"text_total_chars": 20_100})}
    )
    texts = summaries(long_case, profile)
    assert sum(map(len, texts.values())) <= 20_100
    assert texts["shipping_carrier"] == "USPS"  # facts are kept whole


def test_forms_default_and_choice() -> None:
    refusal = load_profile("taobao")
    assert refusal.form == "refusal" == next(iter(refusal.forms))
    assert refusal.limits.image_bytes == 130_000
    assert refusal.limits.text_chars == {"refusal_note": 200}
    message = load_profile("taobao", form="message")
    assert (message.form, message.limits.image_bytes) == ("message", 500_000)
    assert message.limits.text_bytes == {"message": 400} and not message.limits.text_chars
    assert message.limits.dpi == refusal.limits.dpi == 200  # the profile's, inherited
    with pytest.raises(ProfileError, match="no form 'nope'; forms: refusal, message"):
        load_profile("taobao", form="nope")
    with pytest.raises(ProfileError, match="has no forms"):
        load_profile("paypal", form="refusal")
    # Stripe's per-network page check: the Mastercard form caps the compiled evidence.
    assert load_profile("stripe").limits.pages_total is None
    assert load_profile("stripe", form="mastercard").limits.pages_total == 19
    with pytest.raises(ValueError, match="already resolved"):
        from evidencekit.profiles import with_form

        with_form(refusal, "message")


def test_form_option_reaches_validate(tmp_path: Path) -> None:
    case = _small_case(tmp_path, profile="taobao")
    bad = run_cli("validate", "--form", "nope", str(case.manifest_path))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "case.form" in bad.stderr and "no form 'nope'" in bad.stderr
    assert "refusal, message, return_refusal, appeal" in bad.stderr


def test_manifest_names_its_form(tmp_path: Path) -> None:
    case = _small_case(tmp_path, "  form: message", profile="taobao")
    assert case.profile.form == "message" and case.profile.limits.text_bytes == {"message": 400}
    texts = summaries(case, case.profile)
    assert set(texts) == {"message"} and len(texts["message"].encode()) <= 400
    # --profile replaces the manifest's profile, and with it the manifest's form.
    other = load_case(case.manifest_path, profile="stripe")
    assert (other.profile.name, other.profile.form) == ("stripe", "dispute")  # its default


def test_message_text_fits_in_bytes() -> None:
    text = "买家收到的商品与描述一致，发货前已拍照留存。" * 40
    cut = trim_bytes(text, 400, "zh-CN")
    assert len(cut.encode()) <= 400 < len(text.encode())
    assert cut.endswith("…（完整内容见附件）")
    assert trim_bytes("短", 400, "zh-CN") == "短"


def test_mastercom_file_names() -> None:
    mc = load_profile("mastercard")
    names = [
        "MC-2025-000123-LONG.pdf",
        "MC-2025-000123-LONG.vol1.pdf",
        "MC-2025-000123-LONG.vol2.pdf",
        "pages/MC-2025-000123-LONG-p001.jpg",
        "My case 7.pdf",
    ]
    fitted = [upload_name(mc, n) for n in names]
    for name in fitted:
        base = name.rpartition("/")[2]
        assert len(base) <= 16 and " " not in base, name
    assert len(set(fitted)) == len(fitted)
    assert fitted[1].endswith(".vol1.pdf") and fitted[3].startswith("pages/")
    assert upload_name(load_profile("stripe"), names[0]) == names[0]  # no rule, no change


def test_mastercard_build_names_every_upload_within_the_rule(tmp_path: Path) -> None:
    manifest = write_case(
        tmp_path / "c",
        """\
        evidencekit: 1
        case: {id: MC-CHARGEBACK-2025-000123, title: Chargeback, profile: mastercard}
        evidence:
          - {kind: note, title: Note, description: Delivered.}
        """,
    )
    result = build(manifest, BuildOptions(out_dir=tmp_path / "o"))
    assert len(result.pdf_path.name) <= 16 and result.pdf_path.is_file()
    ev = json.loads(result.json_path.read_text(encoding="utf-8"))
    assert ev["outputs"][0]["path"] == result.pdf_path.name
    assert "form" not in ev["case"]  # mastercard has no forms
    assert len(pypdf.PdfReader(result.pdf_path).pages) >= 3


def test_profiles_json_prints_the_data() -> None:
    proc = run_cli("profiles", "taobao", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data == profile_data("taobao")
    assert list(data["forms"]) == ["refusal", "message", "return_refusal", "appeal"]
    assert data["forms"]["refusal"]["limits"]["image_bytes"] == 130_000
    assert "form" not in data  # the file's data, not one form's
    missing = run_cli("profiles", "nope", "--json")
    assert missing.returncode == 2 and "unknown profile" in missing.stderr


@pytest.mark.parametrize("name", profile_names())
def test_every_figure_has_a_source(name: str) -> None:
    data = profile_data(name)
    forms = [data, *data["forms"].values()]
    for part in forms:
        for key, value in part["limits"].items():
            if value in (None, {}):
                continue
            src = part["sources"].get(key) or data["sources"].get(key)
            assert src and src["url"].startswith("https://") and src["checked"], (name, key)
            # An honest note: where the figure was seen, that it was not, or why it was chosen.
            assert src["note"], (name, key)
    if data["file_names"]:
        assert "file_names" in data["sources"]


def test_new_profiles_exist() -> None:
    assert {"wechat-pay", "weixin-shop", "amex-optblue", "discover"} <= set(profile_names())
    amazon = load_profile("amazon")
    assert "Buyer-Seller Messages" in amazon.title and amazon.limits.file_bytes == 9_900_000
    assert load_profile("wechat-pay").limits.files == load_profile("douyin").limits.files == 4


def test_text_fields_only_from_manifest_data_are_left_out_when_empty(tmp_path: Path) -> None:
    manifest = write_case(
        tmp_path / "c",
        """\
        evidencekit: 1
        case: {id: S-2, title: Bare, profile: stripe}
        evidence:
          - {kind: note, title: Note, description: Delivered.}
        """,
    )
    texts = summaries(load_case(manifest), load_profile("stripe"))
    assert set(texts) == {"uncategorized_text"}
    assert not set(texts) & MANIFEST_FIELDS
