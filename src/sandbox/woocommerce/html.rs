//! The HTML filters WordPress runs on product and category texts: `wp_filter_post_kses` when
//! they are stored, `wpautop` when a read shows them.

use super::terms;

/// WordPress's `wpautop` for the common cases: paragraphs split on blank lines, each wrapped in
/// `<p>…</p>` and followed by a new line, single new lines as `<br />`, block elements left
/// unwrapped and text after them in a paragraph of its own. Seen on 10.0.2:
/// `"Linha 1\nLinha 2\n\nParágrafo 2"` reads `"<p>Linha 1<br />\nLinha 2</p>\n<p>Parágrafo
/// 2</p>\n"`; `"<p>Já com p</p>x<b>b</b>"` reads `"<p>Já com p</p>\n<p>x<b>b</b></p>\n"`;
/// `""` stays `""`.
pub(super) fn wpautop(text: &str) -> String {
    const BLOCKS: [&str; 22] = [
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "div",
        "dl",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
    ];
    let text = text.replace("\r\n", "\n");
    if text.trim().is_empty() {
        return String::new();
    }
    // Blank lines around block elements, as wpautop puts them.
    let mut spaced = String::with_capacity(text.len() + 16);
    let mut rest = text.as_str();
    while let Some(start) = rest.find('<') {
        spaced.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find('>').map_or(tail.len(), |e| e + 1);
        let tag = &tail[..end];
        let closing = tag.starts_with("</");
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if BLOCKS.contains(&name.as_str()) {
            if closing {
                spaced.push_str(tag);
                spaced.push_str("\n\n");
            } else {
                spaced.push_str("\n\n");
                spaced.push_str(tag);
            }
        } else {
            spaced.push_str(tag);
        }
        rest = &tail[end..];
    }
    spaced.push_str(rest);
    let mut out = String::new();
    for paragraph in spaced.split("\n\n") {
        let paragraph = paragraph.trim_matches(|c: char| c == '\n' || c == ' ');
        if paragraph.is_empty() {
            continue;
        }
        let lower = paragraph.to_ascii_lowercase();
        let opens_block = BLOCKS.iter().any(|b| {
            ["<", "</"].iter().any(|open| {
                [">", " "]
                    .iter()
                    .any(|end| lower.starts_with(&format!("{open}{b}{end}")))
            })
        });
        if opens_block {
            out.push_str(paragraph);
        } else {
            out.push_str("<p>");
            out.push_str(&paragraph.replace('\n', "<br />\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

/// `wp_filter_post_kses` as far as product texts need it: tags a post may not hold are
/// dropped (their text stays), and a bare `&` becomes `&amp;`. Attributes are kept as given.
pub(super) fn filter_post_kses(text: &str) -> String {
    const ALLOWED: [&str; 47] = [
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "b",
        "big",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "section",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "table",
        "u",
        "ul",
    ];
    const TABLE_PARTS: [&str; 5] = ["tbody", "td", "th", "thead", "tr"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(end) = tail.find('>') else {
            out.push_str(tail);
            rest = "";
            break;
        };
        let tag = &tail[..=end];
        let name: String = tag[1..]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if ALLOWED.contains(&name.as_str()) || TABLE_PARTS.contains(&name.as_str()) {
            out.push_str(tag);
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    terms::escape_ampersands(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wpautop_wraps_paragraphs_as_a_real_store_reads_them() {
        assert_eq!(
            wpautop("Camiseta de algodão &amp; linho"),
            "<p>Camiseta de algodão &amp; linho</p>\n"
        );
        assert_eq!(
            wpautop("Linha 1\nLinha 2\n\nParágrafo 2"),
            "<p>Linha 1<br />\nLinha 2</p>\n<p>Parágrafo 2</p>\n"
        );
        assert_eq!(
            wpautop("<p>Já com p</p>x<b>b</b>"),
            "<p>Já com p</p>\n<p>x<b>b</b></p>\n"
        );
        assert_eq!(wpautop("<p>já</p>"), "<p>já</p>\n");
        assert_eq!(wpautop(""), "");
    }

    #[test]
    fn kses_drops_scripts_and_escapes_ampersands() {
        assert_eq!(
            filter_post_kses("<p>Já com p</p><script>x</script><b>b</b>"),
            "<p>Já com p</p>x<b>b</b>"
        );
        assert_eq!(filter_post_kses("algodão & linho"), "algodão &amp; linho");
    }
}
