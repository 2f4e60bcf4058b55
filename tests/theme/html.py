"""A small HTML reader for theme tests, built on the standard library's parser."""

from html.parser import HTMLParser


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag = tag
        self.attrs = attrs

    def get(self, name: str, default=None):
        value = self.attrs.get(name, default)
        return default if value is None else value

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.text_parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.elements.append(Element(tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text_parts.append(data)


class Document:
    def __init__(self, html: str):
        collector = _Collector()
        collector.feed(html)
        self.elements = collector.elements
        self.text = " ".join("".join(collector.text_parts).split())

    def all(self, tag: str, **attrs) -> list[Element]:
        found = []
        for element in self.elements:
            if element.tag != tag:
                continue
            wanted_class = attrs.get("class_")
            if wanted_class and wanted_class not in element.classes():
                continue
            if all(element.get(k) == v for k, v in attrs.items() if k != "class_"):
                found.append(element)
        return found

    def one(self, tag: str, **attrs) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]


def parse(response) -> Document:
    return Document(response.content.decode())
