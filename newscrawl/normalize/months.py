"""Month names of the languages most news is written in: the dates pipeline
parses them, the sites' shown-date finder looks for them."""

from __future__ import annotations

MONTHS = {
    # English, German, French, Spanish, Italian, Dutch, Portuguese: the languages of most news.
    **dict.fromkeys(("jan", "january", "januar", "jänner", "janvier", "enero", "gennaio", "januari", "janeiro"), 1),
    **dict.fromkeys(("feb", "february", "februar", "février", "fevrier", "febrero", "febbraio", "februari", "fevereiro"), 2),
    **dict.fromkeys(("mar", "march", "märz", "maerz", "mars", "marzo", "maart", "março"), 3),
    **dict.fromkeys(("apr", "april", "avril", "abril", "aprile"), 4),
    **dict.fromkeys(("may", "mai", "mayo", "maggio", "mei", "maio"), 5),
    **dict.fromkeys(("jun", "june", "juni", "juin", "junio", "giugno", "junho"), 6),
    **dict.fromkeys(("jul", "july", "juli", "juillet", "julio", "luglio", "julho"), 7),
    **dict.fromkeys(("aug", "august", "août", "aout", "agosto", "augustus"), 8),
    **dict.fromkeys(("sep", "sept", "september", "septembre", "septiembre", "settembre", "setembro"), 9),
    **dict.fromkeys(("oct", "october", "oktober", "octobre", "octubre", "ottobre", "outubro"), 10),
    **dict.fromkeys(("nov", "november", "novembre", "noviembre", "novembro"), 11),
    **dict.fromkeys(("dec", "december", "dezember", "décembre", "decembre", "diciembre", "dicembre", "dezembro"), 12),
}  # fmt: skip
