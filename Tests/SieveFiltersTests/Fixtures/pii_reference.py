#!/usr/bin/env python3
"""Writes pii-datatrove.jsonl: each case's text and what datatrove 0.10's PIIFormatter
makes of it, with one replacement per kind so that positions can be compared:

    python3 -m pip install datatrove
    python3 Tests/SieveFiltersTests/Fixtures/pii_reference.py > Tests/SieveFiltersTests/Fixtures/pii-datatrove.jsonl

The cases are written by hand around the edges of datatrove's two expressions (e-mail
word boundaries, dots, hyphens, backtracking domains; IPv4 octets without word
boundaries, leading zeros, private and reserved ranges), in several scripts.
"""
import json
from datatrove.pipeline.formatters import PIIFormatter

CASES = [
    "Contact john.doe@example.com for details.",
    "Write to: Jane_Smith+news@mail.example.co.uk.",
    "bad: x@y, a@b.c, a@b.c.d., user@localhost and a@-b.com",
    "dots: .a@b.com a..b@c.com a.@b.com a.b.c@d-e.f-g.hi",
    "éabc@x.com and é abc@x.com and _abc@x.com and -abc@x.com",
    "mailto:info@company.org?subject=Hi",
    "Σ email: δοκιμή@example.com, test@παράδειγμα.gr, 用户@例子.中国, ok@xn--fsqu00a.xn--fiqs8s",
    "two: a@b.com,c@d.org;e@f.net",
    "trailing hyphen a@b-.com and a@b.c- and a@1.2",
    "numbers 123@456.789 and root@[192.168.1.1]",
    "The server at 8.8.8.8 answered, 192.168.1.1 did not.",
    "versions 1.2.3.4 and 10.0.0.1 and 172.16.5.4 and 172.32.5.4",
    "octets 256.1.1.1 and 1.2.3.256 and 1234.5.6.7 and 01.2.3.4 and 1.02.3.4",
    "reserved 100.64.1.1, 100.128.1.1, 192.0.0.9, 192.0.2.1, 198.51.100.7, 203.0.113.9, 224.0.0.1, 255.255.255.255, 0.0.0.0",
    "glued 11.22.33.44.55 and 999.1.1.1.1 and a1.2.3.4b and 3.14.159.26535",
    "IP: 93.184.216.34:8080/path and [2001:db8::1]",
    "Сервер 77.88.55.88 и почта ivan@yandex.ru.",
    "الخادم 185.60.216.35 والبريد info@example.ae",
    "服务器 114.114.114.114，邮箱 admin@example.cn。",
    "no PII here, just 3.5 apples and 2024-01-15",
]


def main():
    formatter = PIIFormatter(email_replacement="<EMAIL_ADDRESS>", ip_replacement="<IP_ADDRESS>")
    for text in CASES:
        print(json.dumps({"text": text, "datatrove": formatter.format(text)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
