#!/usr/bin/env python3
"""Builds the sample documents of examples/corpus/documents/ from text already in the
sample corpus (deterministic; rerun to rebuild):

- article.html: a news article from web/articles.jsonl inside a page with navigation,
  a related-stories box, a cookie banner and a footer (boilerplate to remove);
- crawl.warc.gz: a WARC file, gzip per record: warcinfo, then a request and an HTML
  response for a second article, and a 404 response;
- udhr-fr.pdf: the start of the French UDHR from pdf-text/gen_udhr_fr_lo.txt on three
  pages, Helvetica, with a running header and page numbers (to remove), written as raw
  PDF 1.4.
"""
import gzip, html, io, json, os, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "examples", "corpus")
OUT = os.path.join(CORPUS, "documents")


def articles():
    return [json.loads(l) for l in open(os.path.join(CORPUS, "web", "articles.jsonl"), encoding="utf-8")]


def page(article):
    paragraphs = [p for p in article["text"].split("\n") if p.strip()]
    title = html.escape(paragraphs[0][:80])
    body = "\n".join(f"      <p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} | Example News</title>
  <style>body {{ font-family: sans-serif; }}</style>
  <script>window.analytics = {{ track: function () {{}} }};</script>
</head>
<body>
  <div class="cookie-banner">We use cookies to improve your experience. <button>Accept</button></div>
  <nav class="site-nav"><a href="/">Home</a> | <a href="/world">World</a> | <a href="/politics">Politics</a> | <a href="/sports">Sports</a></nav>
  <main>
    <article class="story">
      <h1>{title}</h1>
{body}
    </article>
    <aside class="related-stories">
      <h2>Related stories</h2>
      <ul><li><a href="/a">Ten things to know this week</a></li><li><a href="/b">Opinion: what comes next</a></li></ul>
    </aside>
  </main>
  <footer class="site-footer">Copyright Example News. <a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a></footer>
</body>
</html>
"""


def warc_record(kind, fields, block, date):
    record_id = f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, kind + fields.get('WARC-Target-URI', '') + date)}>"
    head = [f"WARC/1.1", f"WARC-Type: {kind}", f"WARC-Date: {date}", f"WARC-Record-ID: {record_id}"]
    head += [f"{k}: {v}" for k, v in fields.items()]
    head.append(f"Content-Length: {len(block)}")
    data = ("\r\n".join(head) + "\r\n\r\n").encode() + block + b"\r\n\r\n"
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(data)
    return out.getvalue()


def warc(article):
    url = "http://news.example.org/2019/article"
    body = page(article).encode("utf-8")
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()) + body
    missing = b"<html><body><h1>Not found</h1></body></html>"
    http404 = (b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
               + f"Content-Length: {len(missing)}\r\n\r\n".encode()) + missing
    date = "2024-04-25T16:00:00Z"
    return b"".join([
        warc_record("warcinfo", {"Content-Type": "application/warc-fields"},
                    b"software: scripts/make-example-documents.py\r\nformat: WARC File Format 1.1\r\n", date),
        warc_record("request", {"WARC-Target-URI": url, "Content-Type": "application/http; msgtype=request"},
                    b"GET /2019/article HTTP/1.1\r\nHost: news.example.org\r\n\r\n", date),
        warc_record("response", {"WARC-Target-URI": url, "Content-Type": "application/http; msgtype=response"}, http, date),
        warc_record("response", {"WARC-Target-URI": url + "-gone", "Content-Type": "application/http; msgtype=response"},
                    http404, date),
    ])


def pdf(lines_per_page=38):
    text = open(os.path.join(CORPUS, "pdf-text", "gen_udhr_fr_lo.txt"), encoding="utf-8").read()
    words, lines = [], []
    for paragraph in [p for p in text.split("\n") if p.strip()]:
        line = ""
        for word in paragraph.split():
            if len(line) + len(word) + 1 > 88:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    pages = [lines[i:i + lines_per_page] for i in range(0, 3 * lines_per_page, lines_per_page)]

    def literal(s):
        raw = s.replace("\u2019", "'").encode("cp1252", errors="replace")
        return "(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)").decode("latin-1") + ")"

    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for n, page_lines in enumerate(pages, start=1):
        ops = ["BT /F1 9 Tf 50 800 Td", f"{literal('Declaration universelle - texte d exemple')} Tj", "ET", "BT /F1 11 Tf 50 770 Td 14 TL"]
        ops += [f"{literal(l)} '" for l in page_lines]
        ops += ["ET", f"BT /F1 9 Tf 297 40 Td {literal(str(n))} Tj ET"]
        stream = "\n".join(ops).encode("latin-1")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode("latin-1") + stream + b"\nendstream")
        content = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {content} 0 R >>")
        kids.append(len(objects))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    objects.append("<< /Title (Declaration universelle des droits de l'homme - extrait) /Producer (make-example-documents.py) >>")
    info = len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + (body if isinstance(body, bytes) else body.encode("latin-1")) + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    a = articles()
    open(os.path.join(OUT, "article.html"), "w", encoding="utf-8").write(page(a[1]))
    open(os.path.join(OUT, "crawl.warc.gz"), "wb").write(warc(a[2]))
    open(os.path.join(OUT, "udhr-fr.pdf"), "wb").write(pdf())


if __name__ == "__main__":
    main()
