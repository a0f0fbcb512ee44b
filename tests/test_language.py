"""The language of a page that does not label it: detected from its body
(texts written for this test), never guessed from a line too short to tell."""

from __future__ import annotations

import pytest

from newscrawl.language import detect_language
from newscrawl.pipelines.text import normalize_language

CASES = [
    ("en", "The city council voted on Tuesday to extend the night bus service to the harbour."),
    ("de", "Die Stadtwerke erhöhen zum ersten Januar die Preise für Fernwärme um acht Prozent."),
    ("fr", "Le conseil régional a voté jeudi un budget en hausse pour les lycées de la région."),
    ("es", "El ayuntamiento aprobó ayer la ampliación del horario de las bibliotecas municipales."),
    ("it", "Il consiglio comunale ha approvato ieri sera il nuovo piano per le piste ciclabili."),
    ("pl", "Rada miasta przyjęła we wtorek plan budowy nowej linii tramwajowej na południe."),
    ("pt", "A câmara municipal aprovou ontem o novo plano de transportes para a zona norte."),
    ("nl", "De gemeenteraad heeft dinsdag ingestemd met de bouw van een nieuwe fietsbrug."),
    ("ru", "Городская дума во вторник одобрила план строительства новой линии трамвая."),
    ("ja", "市議会は火曜日、新しい路面電車の路線を建設する計画を承認しました。"),
    ("zh", "市政府昨日公布了新的交通规划方案，预计明年开工建设，总投资约二十亿元。"),
    ("zh", "市政府昨日公佈了新的交通規劃方案，預計明年開工建設，總投資約二十億元。"),
    ("zh", "央行今日宣布下调存款准备金率"),  # short, but Han without kana
    (None, "OK"),
    (None, "Foto: dpa"),
    (None, ""),
]


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_detect_language(lang: str | None, text: str) -> None:
    assert detect_language(text) == lang


def test_the_page_label_wins_over_detection() -> None:
    german = CASES[1][1]
    assert normalize_language("en-GB", german) == "en"
    assert normalize_language(None, german) == "de"
    assert normalize_language("", german) == "de"
    assert normalize_language("not a tag!", german) == "de"
