#!/usr/bin/env python3
"""Writes Tests/SieveTextTests/Fixtures/nltk-words.jsonl: NLTK's word_tokenize and
Punkt sentence count (as datatrove calls them) for the sample corpus's texts and for
edge cases written here. Needs nltk and NLTK_DATA pointing at Punkt's punkt_tab data
(../shared/data/nltk_data). Run from the repository root."""
import gzip
import json
import os
import sys

os.environ.setdefault("NLTK_DATA", os.path.abspath("../shared/data/nltk_data"))
from nltk.tokenize import PunktTokenizer, word_tokenize  # noqa: E402

EDGE = [
    ("english", "Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\nThanks."),
    ("english", "They'll save and invest more. I can't believe it's not butter! We cannot, gonna, wanna go."),
    ("english", "'Tis the season. \"Quoted,\" she said. ``Backticks'' and ''doubles''. 'Single quotes' here."),
    ("english", "Mr. J. Bach met Dr. Smith at 5 p.m. on Jan. 3. The U.S. economy grew 3.5%. It's true..."),
    ("english", "(Sent1.) Sent2. [Bracketed!] \"Quoted.\" Next one? Yes! Really?! No..."),
    ("english", "Wait -- what? Dashes—em and –en‒figure―bar. A*B = C; x@y.z #tag & more $5 %."),
    ("english", "“Curly,” he said. ‘Single curly’ and «guillemets» „low quote“. End.”"),
    ("english", "The dog's bone, the dogs' bones. I'm, you're, he'd, we've, she'll, THEY'RE, DON'T."),
    ("english", "Lists:\n- one\n- two\n• three\n\n\nParagraph two.\n\nParagraph three ends here"),
    ("english", "Numbers 1,000,000 and 3,14 and -5.5 and .5 and 1.2.3. Version 2.0. Done."),
    ("english", "e.g. this, i.e. that, etc. and so on. a.m.e. is an abbreviation."),
    ("english", "Trailing spaces.   \n   Leading spaces. \t Tabs\tinside. \u00a0No-break space.\u2003Em space."),
    ("english", "Whaddya want? Whatcha doing? More'n enough. D'ye see? Gimme, lemme, gotta."),
    ("english", "İstanbul is big. ſome long s. Kelvin \u212a. CANNOT. Cannot. cAnNoT."),
    ("english", "A sentence with combining marks: cafe\u0301, nai\u0308ve. And ² squared, ½ half."),
    ("english", "Ellipsis... then more. . . and even more.. end"),
    ("english", "URL http://example.com/a.b?c=d&e=f and email a.b@c.de. Next."),
    ("english", ""),
    ("english", "   \n\n  "),
    ("english", "!!!???...,,,;;;"),
    ("english", "word"),
    ("english", "Hello.World. No space after period.Next"),
    ("english", "He said, 'I won't.' Then: 'Fine.'"),
    ("english", "x' y'all rock 'n' roll '90s ma'am o'clock"),
    ("english", "<html> {json: true} [1] (2) end."),
    ("german", "Das ist z.B. ein Test. Er kam am 3. Oktober 2020 an. Die Str. ist lang. »Zitat« Ende."),
    ("german", "Dr. Müller sagte: „Wir schaffen das.“ Danach ging er nach Hause."),
    ("french", "M. Dupont a dit : « C'est fini. » Puis il est parti. L'homme qu'il aime, aujourd'hui."),
    ("spanish", "¿Qué tal? ¡Muy bien! El Sr. García llegó a las 5 p. m. a la Av. Reforma."),
    ("italian", "L'Italia è bella. Il sig. Rossi dell'azienda. Un po' di tutto."),
    ("portuguese", "O Sr. Silva chegou. Ele disse: \"Olá!\" Depois foi embora."),
    ("dutch", "Dhr. Jansen zei 't is goed. Het is d.w.z. klaar. Zo'n dag."),
    ("russian", "Г. Иванов пришёл в 5 ч. вечера. Т.е. он опоздал. «Ну и что?» — сказал он."),
    ("greek", "Ο κ. Παπαδόπουλος ήρθε. Είπε «ναι». ΣΑΣ ΟΔΟΣ τέλος."),
    ("turkish", "Dr. Yılmaz geldi. İstanbul'a gitti. Ağaç ışık."),
    ("polish", "Prof. Kowalski przyszedł. Tzn. był tu o godz. 5. Koniec."),
    ("czech", "Prof. Novák přišel. Tj. byl tu v 5 hod. Konec."),
    ("swedish", "Dvs. det är klart. T.ex. detta. Slut."),
    ("finnish", "Esim. tämä on testi. Ns. kokeilu. Loppu."),
]


def main():
    out_path = "Tests/SieveTextTests/Fixtures/nltk-words.jsonl"
    cases = list(EDGE)
    with open("examples/corpus/web/articles.jsonl") as f:
        cases += [("english", json.loads(line)["text"]) for line in f]
    with gzip.open("examples/corpus/news/ag_news.jsonl.gz", "rt") as f:
        news = [json.loads(line)["text"] for line in f]
    cases += [("english", "\n".join(news[i:i + 10])) for i in range(0, len(news), 10)]
    with open(out_path, "w") as out:
        for language, text in cases:
            words = word_tokenize(text, language=language)
            spans = list(PunktTokenizer(language).span_tokenize(text))
            out.write(json.dumps({"language": language, "text": text, "words": words,
                                  "sentences": len(spans)}, ensure_ascii=False) + "\n")
    print(f"{len(cases)} texts -> {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
