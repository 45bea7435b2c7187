package exchange

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

type encoding int

const (
	encUnknown encoding = iota // only ASCII seen so far
	encUTF8
	encCP1251
)

var cp1251Table = func() (t [256]rune) {
	for i := range t {
		t[i] = charmap.Windows1251.DecodeByte(byte(i))
	}
	return t
}()

// lines reads a file line by line: CR LF or LF, a UTF-8 byte order mark
// dropped, lines longer than MaxLine refused (and skipped) without being
// buffered. The encoding is decided by the first line that is not plain
// ASCII: valid UTF-8 makes the file UTF-8; otherwise, when cp1251 is
// allowed, the file is Windows-1251 (every byte decodes), else it is refused.
type lines struct {
	r       *bufio.Reader
	n       int // number of the line last returned
	enc     encoding
	cp1251  bool
	started bool
	text    []rune
}

func newLines(r io.Reader, allowCP1251 bool) *lines {
	return &lines{r: bufio.NewReaderSize(r, MaxLine+2), cp1251: allowCP1251}
}

// next returns the next line's text. A *Problem for a line that is too
// long (not fatal) or bytes of the wrong encoding (fatal in a CSV); io.EOF
// at the end; a read error as it is.
func (l *lines) next() (string, error) {
	raw, err := l.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		l.n++
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = l.r.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return "", newProblem(l.n, ReasonLineTooLong, "Max", strconv.Itoa(MaxLine))
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if len(raw) == 0 && errors.Is(err, io.EOF) {
		return "", io.EOF
	}
	l.n++
	raw = bytes.TrimSuffix(raw, []byte{'\n'})
	raw = bytes.TrimSuffix(raw, []byte{'\r'})
	if !l.started {
		l.started = true
		if b, ok := bytes.CutPrefix(raw, []byte("\xEF\xBB\xBF")); ok {
			raw, l.enc = b, encUTF8
		}
	}
	ascii := true
	for _, c := range raw {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(raw), nil
	}
	if l.enc == encUnknown {
		switch {
		case utf8.Valid(raw):
			l.enc = encUTF8
		case l.cp1251:
			l.enc = encCP1251
		default:
			p := newProblem(l.n, ReasonNotUTF8)
			p.Fatal = true
			return "", p
		}
	}
	if l.enc == encCP1251 {
		l.text = l.text[:0]
		for _, c := range raw {
			l.text = append(l.text, cp1251Table[c])
		}
		return string(l.text), nil
	}
	if !utf8.Valid(raw) {
		p := newProblem(l.n, ReasonNotUTF8)
		p.Fatal = !l.cp1251
		return "", p
	}
	return string(raw), nil
}

// splitQuoted splits one CSV line on sep with RFC 4180 quotes ("" inside
// quotes is a quote). A record never spans lines here: a name with a line
// break is not a name a register prints. It appends to dst and returns
// false on an unclosed quote or a quote inside an unquoted field.
func splitQuoted(dst []string, s string, sep byte) ([]string, bool) {
	for {
		if len(s) > 0 && s[0] == '"' {
			var b []byte
			i := 1
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return dst, false
				}
				b = append(b, s[i:i+j]...)
				i += j + 1
				if i < len(s) && s[i] == '"' {
					b = append(b, '"')
					i++
					continue
				}
				break
			}
			dst = append(dst, string(b))
			if i == len(s) {
				return dst, true
			}
			if s[i] != sep {
				return dst, false
			}
			s = s[i+1:]
			continue
		}
		j := strings.IndexByte(s, sep)
		field := s
		if j >= 0 {
			field = s[:j]
		}
		if strings.IndexByte(field, '"') >= 0 {
			return dst, false
		}
		dst = append(dst, field)
		if j < 0 {
			return dst, true
		}
		s = s[j+1:]
	}
}
