"""Table cases for channel, scope, conduct (Japanese and English, with spelling variants and
near misses) and the legitimate-complaint guard."""

from services.policy.domain import Outcome, SubjectHistory

from .sample_facts import Case, consultation, demand

A, R, F, E = Outcome.ACCEPT, Outcome.RESTRICT, Outcome.REFUSE, Outcome.ESCALATE
C = consultation


def prior_conduct() -> SubjectHistory:
    """A subject already warned once for conduct: no first-offence leniency any more."""
    earlier = {"at": "2025-01-10T09:00:00+00:00", "outcome": "restrict", "rules": ("conduct",)}
    return SubjectHistory.model_validate({"prior_decisions": (earlier,)})


SCOPE = [
    Case("plain email question", A, ""),
    Case("phone without call data", A, "", C(channel="phone")),
    Case("sns channel refused", F, "channel", C(channel="sns")),
    Case("chat channel refused", F, "channel", C(channel="chat")),
    Case("web form with a threat", E, "channel conduct:threat", C("殺すぞ", channel="web_form")),
    Case("no name", F, "scope-identity", C(has_name=False)),
    Case("no email or phone", F, "scope-identity", C(has_email_or_phone=False)),
    Case("fully anonymous", F, "scope-identity", C(has_name=False, has_email_or_phone=False)),
    Case("prospective purchaser", A, "", C(relationship="prospective")),
    Case("unrelated third party", F, "scope-relationship", C(relationship="other")),
    Case(
        "relationship unknown",
        R,
        "scope-relationship",
        C(relationship="unknown"),
        actions=frozenset({"fact_check"}),
    ),
    Case(
        "sns, anonymous, third party",
        F,
        "channel scope-identity scope-relationship",
        C(channel="sns", has_name=False, relationship="other"),
    ),
]

THREAT = "conduct:threat"
THREATS = [
    Case(
        "refund or die",
        E,
        f"{THREAT} legitimate-complaint damages",
        C("返金しないと殺すぞ"),
        actions=frozenset({"legal_hold_recommended", "legal_action_candidate"}),
    ),
    Case("spaced hiragana", E, THREAT, C("お前を こ ろ す")),
    Case("katakana", E, THREAT, C("コロス")),
    Case("half-width katakana", E, THREAT, C("ｺﾛｽ")),
    Case("punctuated kanji", E, THREAT, C("殺・し・て・や・る")),
    Case("slang intensifier", E, THREAT, C("ぶっ殺すぞ")),
    Case("veiled threat", E, THREAT, C("夜道に気をつけろよ")),
    Case(
        "english kill",
        E,
        THREAT,
        C("I will KILL you"),
        actions=frozenset({"legal_hold_recommended"}),
    ),
    Case("english address", E, THREAT, C("I know where you live.")),
    Case("english watch your back", E, THREAT, C("Watch your back!")),
    Case("threat in subject", E, THREAT, C(subject="ころすぞ")),
    Case(
        "threat in demand details",
        E,
        f"{THREAT} damages",
        C(demand=demand("other", details="殺してやる")),
    ),
    Case("near miss ところ、すぐ", A, "", C("購入したところ、すぐに壊れました。")),
    Case("near miss ところすごく", A, "", C("使ってみたところすごく熱くなります")),
    Case("near miss こころすこやか", A, "", C("こころすこやかに過ごしたいです")),
    Case("near miss killing my battery", A, "", C("This update is killing my battery.")),
    Case("near miss killer feature", A, "", C("The killer feature is missing.")),
]

EXTORTION = "conduct:extortion"
OTHER_CONDUCT = [
    Case("extortion sincerity", E, EXTORTION, C("誠意を見せろ")),
    Case("extortion hush money ja", E, EXTORTION, C("口止め料を払え")),
    Case("extortion english", E, EXTORTION, C("Pay me to keep quiet about this.")),
    Case(
        "extortion with refund demand",
        E,
        f"{EXTORTION} legitimate-complaint damages",
        C("Hush money, now.", demand=demand("refund"), defect_confirmed=True),
    ),
    Case(
        "first insult warned",
        R,
        "conduct:insult",
        C("馬鹿野郎"),
        actions=frozenset({"warn_customer"}),
    ),
    Case(
        "repeated insult refused",
        F,
        "conduct:insult",
        C("バカ"),
        history=prior_conduct(),
    ),
    Case("half-width voiced insult", R, "conduct:insult", C("ﾊﾞｶ")),
    Case("death wish insult", R, "conduct:insult", C("死ね")),
    Case("english idiot", R, "conduct:insult", C("You IDIOT.")),
    Case("english shut up", R, "conduct:insult", C("Shut up and listen")),
    Case("near miss 買ったばかり", A, "", C("買ったばかりなのに壊れた")),
    Case("near miss 少しばかり", A, "", C("少しばかり高いと思います")),
    Case("near miss idiot-proof", A, "", C("The manual says it is idiot-proof, but it is not.")),
    Case("defamation ja", F, "conduct:defamation", C("この詐欺会社め。")),
    Case("defamation en", F, "conduct:defamation", C("You are a bunch of liars and crooks")),
    Case("near miss fraud worry", A, "", C("詐欺ではないかと心配です")),
    Case("discrimination ja", F, "conduct:discrimination", C("女のくせに生意気だ")),
    Case("discrimination en", F, "conduct:discrimination", C("Go back to your country")),
    Case("near miss staff preference", A, "", C("女性の担当者をお願いします")),
    Case("sexual ja", F, "conduct:sexual", C("下着の色を教えて")),
    Case("sexual en", F, "conduct:sexual", C("What are you wearing?")),
    Case("near miss what are your hours", A, "", C("What are your opening hours?")),
    Case("kneeling kanji", F, "conduct:kneeling", C("土下座しろ")),
    Case("kneeling katakana", F, "conduct:kneeling", C("ドゲザして謝れ")),
    Case("kneeling english", F, "conduct:kneeling", C("Get on your knees and apologize")),
    Case(
        "near miss no kneeling asked",
        A,
        "legitimate-complaint",
        C("土下座までは求めませんが、返金してください"),
    ),
    Case("exposure sns", F, "conduct:online_exposure", C("SNSに晒すぞ")),
    Case("exposure full-width spaced", F, "conduct:online_exposure", C("ＳＮＳ に 晒 す")),  # noqa: RUF001 - full width on purpose
    Case("exposure net", F, "conduct:online_exposure", C("ネットに書き込むからな")),
    Case("exposure twitter", F, "conduct:online_exposure", C("I will expose you on Twitter")),
    Case("exposure post online", F, "conduct:online_exposure", C("I'll post this online.")),
    Case("near miss read online", A, "", C("ネットに書き込まれていた不具合と同じ症状です")),
    Case("near miss posted online", A, "", C("I saw this issue posted online")),
    Case(
        "insult and exposure",
        F,
        "conduct:insult conduct:online_exposure",
        C("バカ野郎、SNSに晒すぞ"),
    ),
]

GUARD = [
    Case(
        "refund or consumer centre",
        A,
        "legitimate-complaint",
        C("返金してください。納得できなければ消費者センターに相談します"),
    ),
    Case(
        "announces lawsuit ja", A, "legitimate-complaint", C("訴えます。裁判で決着をつけましょう")
    ),
    Case(
        "announces lawsuit en",
        A,
        "legitimate-complaint",
        C("I want a refund. If not, I will sue and go to small claims court."),
    ),
    Case("asks for explanation", A, "legitimate-complaint", C("Please explain what went wrong.")),
    Case("firm protest", A, "legitimate-complaint", C("強く抗議します。責任を取ってください")),
    Case(
        "lawyer and legal action",
        A,
        "legitimate-complaint",
        C("弁護士に相談して法的措置を取ります"),
    ),
    Case(
        "structured refund demand",
        A,
        "legitimate-complaint",
        C(demand=demand("refund"), defect_confirmed=True),
    ),
    Case("lawsuit plus threat", E, f"{THREAT} legitimate-complaint", C("訴えてやる、殺すぞ")),
    Case(
        "refund plus threat en",
        E,
        f"{THREAT} legitimate-complaint damages",
        C("Refund me or I will kill you"),
    ),
]

CASES = SCOPE + THREATS + OTHER_CONDUCT + GUARD
