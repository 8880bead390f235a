"""What the grader knows about each language a deck may be written in.

For each of English, German, French and Spanish: a Snowball stemmer
(PyStemmer, the C build of the Snowball algorithms: under a millisecond to
import, a fraction of a microsecond per word), the negation words, the
function words a key point never requires, the words that start a new clause
(a negation stops there) and the instruction verbs an author may lead a point
with. :func:`guess_language` reads a text's function words, which is all
``repdrill validate`` needs to say that a deck does not look like its
``language``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import Stemmer

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str
    #: The Snowball algorithm's name.
    snowball: str
    negations: frozenset[str]
    #: Words after a negation that make a set phrase ("no problem"), not a negation.
    not_negating: frozenset[str]
    stopwords: frozenset[str]
    #: Words that start a new clause: a negation before them does not reach past them.
    clause_words: frozenset[str]
    #: Subjects that start a new clause after a comma ("we don't replace it, we sit on it").
    subjects: frozenset[str]
    #: Verbs an author writes as an instruction ("ask ...", "offer ..."), which a rep
    #: carrying out the instruction does not type.
    instruction_verbs: frozenset[str]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH = Language(
    code="en",
    name="English",
    snowball="english",
    negations=_words("not no never without cannot nor none neither nothing nobody nowhere w/o"),
    not_negating=_words(
        "problem problems worry worries doubt question questions matter brainer only just"
    ),
    stopwords=_words(
        """a an the of to and or in on at for with by from as is are be was were been it its
        this that these those we our us you your they their them i me my he she his her
        do does did so if then than into about up out over just very really can will would
        should could may might must have has had let lets let's s"""
    ),
    clause_words=_words(
        "but however although though yet whereas instead while we rather because unless"
    ),
    subjects=_words("we i you they it he she that this there and so then which"),
    instruction_verbs=_words(
        """ask mention offer explain acknowledge suggest propose confirm share tell say
        highlight emphasise emphasize stress cite quote name point reframe position
        describe recommend invite agree"""
    ),
)

GERMAN = Language(
    code="de",
    name="German",
    snowball="german",
    negations=_words(
        "nicht kein keine keinen keinem keiner keines nie niemals ohne weder nichts niemand"
    ),
    not_negating=_words("problem problem frage nur"),
    stopwords=_words(
        """der die das den dem des ein eine einen einem einer eines und oder in im an am auf
        für mit von vom zu zum zur aus bei ist sind war waren sein es wir uns unser unsere
        sie ihr ihre ich mich mein er sich so wenn dann als auch noch schon nur sehr dass
        wie was haben hat hatte kann können wird werden würde"""
    ),
    clause_words=_words("aber sondern doch jedoch obwohl wir stattdessen"),
    subjects=_words("wir ich sie er es das und dann also"),
    instruction_verbs=_words("fragen erwähnen anbieten erklären bestätigen vorschlagen nennen"),
)

FRENCH = Language(
    code="fr",
    name="French",
    snowball="french",
    negations=_words("ne pas non jamais sans aucun aucune rien ni nul nulle"),
    not_negating=_words("problème souci seulement"),
    stopwords=_words(
        """le la les l un une des de du d et ou en dans au aux sur pour par avec est sont
        être était nous notre nos vous votre vos ils elles il elle je j me mon ma mes se
        si alors que qui quoi ce cette ces c qu a ont avoir peut très plus"""
    ),
    clause_words=_words("mais cependant pourtant toutefois bien nous plutôt"),
    subjects=_words("nous je vous ils elles il elle on et donc puis"),
    instruction_verbs=_words("demander mentionner proposer expliquer confirmer citer"),
)

SPANISH = Language(
    code="es",
    name="Spanish",
    snowball="spanish",
    negations=_words("no nunca jamás sin ningún ninguno ninguna nada ni tampoco nadie"),
    not_negating=_words("problema hay"),
    stopwords=_words(
        """el la los las un una unos unas de del y o en al a por para con es son ser era
        nosotros nuestro nuestra nuestros usted ustedes su sus ellos ellas él ella yo mi me
        se si entonces que qué quien lo le les muy más este esta estos esto ha han hay puede"""
    ),
    clause_words=_words("pero sino aunque nosotros embargo"),
    subjects=_words("nosotros yo usted ustedes ellos ellas él ella y entonces"),
    instruction_verbs=_words("preguntar mencionar ofrecer explicar confirmar proponer"),
)

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in (ENGLISH, GERMAN, FRENCH, SPANISH)}
LANGUAGE_CODES = tuple(LANGUAGES)


def language(code: str) -> Language:
    """The language with this ISO 639-1 code (``en``, ``de``, ``fr``, ``es``)."""
    return LANGUAGES[code]


@cache
def _stemmer(snowball: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(snowball)


def stem(word: str, code: str = DEFAULT_LANGUAGE) -> str:
    """The Snowball stem of one lowercase word: "duties" and "dutys" both give "duti"."""
    if word.isdigit():
        return word
    result: str = _stemmer(LANGUAGES[code].snowball).stemWord(word)
    return result


def guess_language(words: Iterable[str]) -> tuple[str | None, float]:
    """The language whose function words are most common in ``words``, and their share.

    ``None`` when fewer than ten words are function words of any language: too
    little text to tell.
    """
    counts = dict.fromkeys(LANGUAGES, 0)
    total = 0
    for word in words:
        total += 1
        for code, lang in LANGUAGES.items():
            if word in lang.stopwords:
                counts[code] += 1
    best = max(counts, key=lambda code: counts[code])
    if counts[best] < 10 or total == 0:
        return None, 0.0
    return best, counts[best] / total
