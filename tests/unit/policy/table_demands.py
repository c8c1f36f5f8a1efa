"""Table cases for demand validity and proportionality, and damages (liability review or a
malicious demand)."""

from services.policy.domain import Outcome

from .sample_facts import Case, consultation, demand, priced

A, R, F, E = Outcome.ACCEPT, Outcome.RESTRICT, Outcome.REFUSE, Outcome.ESCALATE
C = consultation
LEGIT = "legitimate-complaint"
ASKED = "製品について相談です。"


DEMANDS = [
    Case(
        "refund, defect unknown",
        A,
        f"{LEGIT} demand-validity",
        C(ASKED, demand=demand("refund")),
        actions=frozenset({"fact_check"}),
    ),
    Case(
        "refund, no defect found",
        F,
        f"{LEGIT} demand-validity",
        C(ASKED, demand=demand("refund"), defect_confirmed=False),
    ),
    Case(
        "exchange unrelated to product",
        F,
        f"{LEGIT} demand-validity",
        C(ASKED, demand=demand("exchange", related_to_product=False), defect_confirmed=True),
    ),
    Case("information request needs no fault", A, LEGIT, C(ASKED, demand=demand("information"))),
    Case("apology demand, fault unknown", A, "demand-validity", C(ASKED, demand=demand("apology"))),
    Case(
        "refund, defect confirmed",
        A,
        LEGIT,
        C(ASKED, demand=demand("refund"), defect_confirmed=True),
    ),
    Case(
        "compensation above price, no loss",
        R,
        f"{LEGIT} demand-proportionality",
        C(
            ASKED,
            demand=demand("compensation", 50000),
            product=priced(10000),
            defect_confirmed=True,
        ),
        actions=frozenset({"notify_supervisor", "second_handler"}),
    ),
    Case(
        "compensation above price, loss confirmed",
        E,
        f"{LEGIT} damages",
        C(
            ASKED,
            demand=demand("compensation", 50000),
            product=priced(10000),
            defect_confirmed=True,
            loss_confirmed=True,
        ),
        actions=frozenset({"liability_review"}),
    ),
    Case(
        "compensation below price",
        A,
        LEGIT,
        C(ASKED, demand=demand("compensation", 8000), product=priced(10000), defect_confirmed=True),
    ),
    Case(
        "compensation equal to price",
        A,
        LEGIT,
        C(
            ASKED,
            demand=demand("compensation", 10000),
            product=priced(10000),
            defect_confirmed=True,
        ),
    ),
    Case(
        "refund above price",
        R,
        f"{LEGIT} demand-proportionality",
        C(ASKED, demand=demand("refund", 12000), product=priced(10000), defect_confirmed=True),
    ),
    Case(
        "refund above price, loss does not lift",
        E,
        f"{LEGIT} demand-proportionality damages",
        C(
            ASKED,
            demand=demand("refund", 12000),
            product=priced(10000),
            defect_confirmed=True,
            loss_confirmed=True,
        ),
    ),
    Case(
        "amount without price",
        A,
        f"{LEGIT} demand-proportionality",
        C(ASKED, demand=demand("refund", 5000), defect_confirmed=True),
        actions=frozenset({"fact_check"}),
    ),
    Case(
        "currency without a rate in the policy",
        A,
        f"{LEGIT} demand-proportionality",
        C(
            ASKED,
            demand=demand("refund", 5000),
            product={"price": {"amount": 50, "currency": "CHF"}},
            defect_confirmed=True,
        ),
    ),
    Case(  # 50 USD is 7500 JPY at the policy's rate
        "currency converted, within the price",
        A,
        LEGIT,
        C(
            ASKED,
            demand=demand("refund", 5000),
            product={"price": {"amount": 50, "currency": "USD"}},
            defect_confirmed=True,
        ),
    ),
    Case(  # 20 USD is 3000 JPY
        "currency converted, above the price",
        R,
        f"{LEGIT} demand-proportionality",
        C(
            ASKED,
            demand=demand("refund", 5000),
            product={"price": {"amount": 20, "currency": "USD"}},
            defect_confirmed=True,
        ),
    ),
    Case(
        "home visit without approval",
        R,
        "demand-proportionality",
        C(ASKED, demand=demand("visit"), defect_confirmed=True),
    ),
    Case(
        "home visit approved",
        A,
        "",
        C(ASKED, demand=demand("visit"), defect_confirmed=True, supervisor_approved=True),
    ),
]

DAMAGES = [
    Case(
        "liability from text refund",
        E,
        f"{LEGIT} damages",
        C("返金してください", defect_confirmed=True, loss_confirmed=True),
    ),
    Case(
        "no liability review with insult",
        R,
        f"conduct:insult {LEGIT}",
        C("返金しろバカ", defect_confirmed=True, loss_confirmed=True),
    ),
    Case("defect without loss", A, LEGIT, C("返金してください", defect_confirmed=True)),
    Case("loss without defect", A, LEGIT, C("返金してください", loss_confirmed=True)),
    Case(
        "malicious structured demand",
        E,
        f"conduct:extortion {LEGIT} demand-validity damages",
        C("口止め料をよこせ", demand=demand("compensation")),
        actions=frozenset({"legal_action_candidate", "legal_hold_recommended"}),
    ),
    Case("threat without demand is not damages", E, "conduct:threat", C("ぶっ殺す")),
]

CASES = DEMANDS + DAMAGES
