"""The anonymizer on Japanese and English text: the subject's own values in every written
form, contact details and addresses by shape, other people's names, dates by month."""

import pytest

from services.privacy.domain.scrubber import OwnValues, PersonNameRules, Scrubber
from tests.integration.personal_forms import full_width

JA = OwnValues(
    names=("山田 花子",), emails=("hanako.yamada@example.jp",), phones=("090-2345-6789",)
)
KANA = OwnValues(names=("ヤマダ ハナコ",))
EN = OwnValues(
    names=("Emily Clarke",), emails=("emily.clarke@example.co.uk",), phones=("+44 20 7946 0958",)
)


def scrub(own: OwnValues, text: str, rules: PersonNameRules | None = None) -> str:
    return Scrubber(rules or PersonNameRules()).for_subject(own)(text)


@pytest.mark.parametrize(
    "written",
    [
        "山田 花子",
        "山田花子",
        "山田\u3000花子",
        "山田-花子",
        "山田・花子",
        "花子 山田",
        "山 田 花 子",
        "山田様",
        "山田さん",
        "花子さん",
        "山田 花子 殿",
        "山田氏",
        "hanako.yamada@example.jp",
        full_width("hanako.yamada@example.jp"),
        "HANAKO.YAMADA@EXAMPLE.JP",
        "hanako.yamada (at) example (dot) jp",
        "hanako.yamada",
        "090-2345-6789",
        "09023456789",
        "090 2345 6789",
        "(090)2345-6789",
        "+81 90-2345-6789",
        "+819023456789",
        full_width("090-2345-6789"),
        "〇九〇-二三四五-六七八九",
    ],
)
def test_the_subjects_own_values_go_in_every_written_form(written: str) -> None:
    text = f"お問い合わせ: {written} より。"

    result = scrub(JA, text)

    assert result.startswith("お問い合わせ: [")
    assert result.endswith("] より。")
    for part in ("山田", "花子", "hanako", "yamada", "2345", "6789", "二三四五"):
        assert part not in result.lower()


@pytest.mark.parametrize(
    "written",
    ["ヤマダ ハナコ", "ﾔﾏﾀﾞ ﾊﾅｺ", "やまだ はなこ", "ヤマダハナコ", "ハナコさん", "やまだ様"],
)
def test_a_name_in_kana_goes_in_both_scripts_and_both_widths(written: str) -> None:
    assert scrub(KANA, f"{written}から電話") == "[customer]から電話"


@pytest.mark.parametrize(
    "written",
    [
        "Emily Clarke",
        "EMILY CLARKE",
        "Clarke, Emily",
        "Ms. Clarke",
        "E-m-i-l-y C-l-a-r-k-e",
        "emilyclarke",
        full_width("Emily Clarke"),
        "emily.clarke@example.co.uk",
        "+44 20 7946 0958",
        "020 7946 0958",
        "0207 946 0958",
    ],
)
def test_an_english_subject_goes_in_every_written_form(written: str) -> None:
    result = scrub(EN, f"From {written}, about the kettle.")

    for part in ("emily", "clarke", "7946", "0958"):
        assert part not in result.lower()
    assert result.endswith(", about the kettle.")


def test_a_name_inside_another_word_stays() -> None:
    assert scrub(EN, "Emilyn filed the annual report") == "Emilyn filed the annual report"


def test_contact_details_and_addresses_go_by_their_shape() -> None:
    text = (
        "別件で suzuki@example.com、03-1234-5678 にも連絡。〒100-0005 東京都千代田区丸の内1-2-3、"
        "大阪市北区梅田2丁目4番9号。詳細は https://example.com/a?b=1 を参照。"
    )

    result = scrub(OwnValues(), text)

    assert result == (
        "別件で [email]、[phone] にも連絡。[postal-code][address]、[address]。詳細は [url] を参照。"
    )


def test_english_addresses_and_postcodes_go() -> None:
    text = (
        "I live at 221B Baker Street, London NW1 6XE; before, 12 Acacia Avenue, Apt 4B, IL 62704."
    )

    assert scrub(OwnValues(), text) == (
        "I live at [address], London [postal-code]; before, [address], [postal-code]."
    )


def test_other_peoples_names_go_and_honorific_words_stay() -> None:
    text = "担当の佐藤様と鈴木さんが対応。お客様、皆様、同様に仕様の件。様子を見る。氏名欄。"

    assert scrub(OwnValues(), text) == (
        "担当の[person]様と[person]さんが対応。お客様、皆様、同様に仕様の件。様子を見る。氏名欄。"
    )
    assert scrub(OwnValues(), "Dear Tom, Mr. John Smith called.") == (
        "Dear [person], Mr. [person] called."
    )


def test_configured_names_and_patterns_go_in_every_form() -> None:
    rules = PersonNameRules(names=("高橋 一郎",), patterns=(r"社員番号\d+",))

    result = scrub(OwnValues(), "高橋一郎 (社員番号12345) と 高橋 が確認", rules)

    assert result == "[person] ([person]) と [person] が確認"


def test_dates_go_down_to_the_month_and_amounts_and_products_stay() -> None:
    text = (
        "2026年11月2日に電気ケトル(4,980円)を購入、11月5日に故障。2026-11-02 10:15 / 2026/11/02。"
        "Bought on November 2, 2026, and on 3rd of March 2026 paid GBP 49.99; 5 March again."
    )

    assert scrub(OwnValues(), text) == (
        "2026年11月に電気ケトル(4,980円)を購入、11月に故障。2026-11 10:15 / 2026/11。"
        "Bought on November 2026, and on March 2026 paid GBP 49.99; March again."
    )


JANE = OwnValues(names=("Jane Doe",), emails=("jane.doe@example.com",), phones=("090-1111-2222",))


@pytest.mark.parametrize(
    "written",
    [
        "Ja\u200bne D\u200boe",  # zero-width space
        "J\u200da\u200cne\u2060 Doe",  # joiners, word joiner
        "Jane\ufe0f Do\u00ade",  # variation selector, soft hyphen
        "\u202eJane Doe\u202c",  # bidi override
        "jane\u200b.doe@example.com",
        "090\u200b-1111-\ufeff2222",
    ],
)
def test_invisible_characters_hide_nothing_from_the_anonymizer(written: str) -> None:
    # Issue 14 finding 8: a zero-width character split the name so no pattern found it.
    scrubbed = scrub(JANE, f"Please call {written} about the kettle.")

    assert [part for part in ("jane", "doe", "1111") if part in scrubbed.lower()] == []
    assert not any(
        ord(c) in (0x200B, 0x200C, 0x200D, 0x2060, 0xFE0F, 0xAD, 0x202E, 0xFEFF) for c in scrubbed
    )
