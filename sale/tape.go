package sale

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// TapeWidth is the characters of one line of font 1 on a 57 mm receipt
// tape, the narrowest a Shtrih-M prints on; wider tapes leave a margin.
const TapeWidth = 32

// tapeCatalog holds the words of the non-fiscal documents the till prints
// on the register's tape. They follow the store's language, like the
// receipt, not the window's.
var tapeCatalog = func() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for _, m := range []struct {
		tag      language.Tag
		key, msg string
	}{
		{language.English, "PRE-BILL %d", "PRE-BILL %d"},
		{language.Russian, "PRE-BILL %d", "ПРЕДЧЕК %d"},
		{language.Italian, "PRE-BILL %d", "PRECONTO %d"},
		{language.English, "COPY OF RECEIPT %d", "COPY OF RECEIPT %d"},
		{language.Russian, "COPY OF RECEIPT %d", "КОПИЯ ЧЕКА %d"},
		{language.Italian, "COPY OF RECEIPT %d", "COPIA DELLO SCONTRINO %d"},
		{language.English, "NOT A FISCAL DOCUMENT", "NOT A FISCAL DOCUMENT"},
		{language.Russian, "NOT A FISCAL DOCUMENT", "НЕ ФИСКАЛЬНЫЙ ДОКУМЕНТ"},
		{language.Italian, "NOT A FISCAL DOCUMENT", "DOCUMENTO NON FISCALE"},
		{language.English, "Bill %d", "Bill %d"},
		{language.Russian, "Bill %d", "Счёт %d"},
		{language.Italian, "Bill %d", "Conto %d"},
		{language.English, "Discount", "Discount"},
		{language.Russian, "Discount", "Скидка"},
		{language.Italian, "Discount", "Sconto"},
		{language.English, "INITIAL PASSWORD", "INITIAL PASSWORD"},
		{language.Russian, "INITIAL PASSWORD", "ВРЕМЕННЫЙ ПАРОЛЬ"},
		{language.Italian, "INITIAL PASSWORD", "PASSWORD INIZIALE"},
		{language.English, "Login: %s", "Login: %s"},
		{language.Russian, "Login: %s", "Логин: %s"},
		{language.Italian, "Login: %s", "Utente: %s"},
		{language.English, "Change it at the first sign-in.", "Change it at the first sign-in."},
		{language.Russian, "Change it at the first sign-in.", "Смените его при первом входе."},
		{language.Italian, "Change it at the first sign-in.", "Cambiala al primo accesso."},
		{language.English, "AUDIT LOG", "AUDIT LOG"},
		{language.Russian, "AUDIT LOG", "ЖУРНАЛ АУДИТА"},
		{language.Italian, "AUDIT LOG", "REGISTRO DI AUDIT"},
		{language.English, "Rows: %d", "Rows: %d"},
		{language.Russian, "Rows: %d", "Записей: %d"},
		{language.Italian, "Rows: %d", "Righe: %d"},
		{language.English, "TOTAL", "TOTAL"},
		{language.Russian, "TOTAL", "ИТОГ"},
		{language.Italian, "TOTAL", "TOTALE"},
	} {
		if err := b.SetString(m.tag, m.key, m.msg); err != nil {
			panic(fmt.Sprintf("tape catalog %s %q: %v", m.tag, m.key, err))
		}
	}
	return b
}()

// Tape writes the non-fiscal documents of a bill as lines for the
// register's tape: the pre-bill a customer checks before paying, and the
// copy of a receipt. Amounts are written without the currency sign, as on
// the fiscal receipt (the register's code page has no ₽).
type Tape struct {
	p     *message.Printer
	money *Formatter
	width int
}

// NewTape returns a Tape in the store's language; money formats amounts.
func NewTape(tag language.Tag, money *Formatter) *Tape {
	return &Tape{p: message.NewPrinter(tag, message.Catalog(tapeCatalog)), money: money, width: TapeWidth}
}

// PreBill is the n-th pre-bill of b.
func (t *Tape) PreBill(b Bill, tot Totals, n int32) []string {
	return t.document(t.p.Sprintf("PRE-BILL %d", n), b, tot)
}

// Copy is a copy of b's fiscal receipt, marked so nobody takes it for one.
func (t *Tape) Copy(b Bill, tot Totals) []string {
	return t.document(t.p.Sprintf("COPY OF RECEIPT %d", b.Fiscal.Number), b, tot)
}

// Password is the slip with a user's generated initial password, for the
// user to take away (the till keeps only its hash).
func (t *Tape) Password(login, name, password string) []string {
	rule := strings.Repeat("-", t.width)
	return []string{
		t.center(t.p.Sprintf("INITIAL PASSWORD")), rule, t.cut(name), t.cut(t.p.Sprintf("Login: %s", login)),
		"", t.center(password), "", t.cut(t.p.Sprintf("Change it at the first sign-in.")), rule,
	}
}

// AuditHead is the audit log's head (its row count and the MAC of its last
// row, in hex over as many lines as the tape needs) printed with every X
// and Z report: a copy of the anchor on paper, which nobody who can write
// the database can change (see docs/store.md, "Audit log").
func (t *Tape) AuditHead(rows int64, head []byte) []string {
	out := []string{t.center(t.p.Sprintf("AUDIT LOG")), t.p.Sprintf("Rows: %d", rows)}
	h := hex.EncodeToString(head)
	for len(h) > t.width {
		out = append(out, h[:t.width])
		h = h[t.width:]
	}
	return append(out, h)
}

func (t *Tape) document(title string, b Bill, tot Totals) []string {
	rule := strings.Repeat("-", t.width)
	out := []string{t.center(title), t.center(t.p.Sprintf("NOT A FISCAL DOCUMENT")), t.p.Sprintf("Bill %d", b.ID), rule}
	for _, lt := range tot.Lines {
		if lt.Index < 0 || lt.Index >= len(b.Lines) {
			continue
		}
		l := b.Lines[lt.Index]
		out = append(out, t.cut(l.Name))
		qty := FormatQty(l.QtyMilli)
		out = append(out, t.spread("  "+qty+" x "+t.money.Number(l.UnitPrice), t.money.Number(lt.Gross)))
		if lt.LineDiscount != 0 {
			out = append(out, t.spread("  "+t.p.Sprintf("Discount"), "-"+t.money.Number(lt.LineDiscount)))
		}
	}
	if tot.BillDiscount != 0 {
		out = append(out, t.spread(t.p.Sprintf("Discount"), "-"+t.money.Number(tot.BillDiscount)))
	}
	return append(out, rule, t.spread(t.p.Sprintf("TOTAL"), t.money.Number(tot.Due)))
}

// spread puts left and right at the two ends of a line; left gives way.
func (t *Tape) spread(left, right string) string {
	room := t.width - utf8.RuneCountInString(right) - 1
	left = string([]rune(left)[:min(utf8.RuneCountInString(left), max(room, 0))])
	return left + strings.Repeat(" ", max(t.width-utf8.RuneCountInString(left)-utf8.RuneCountInString(right), 1)) + right
}

func (t *Tape) center(s string) string {
	s = t.cut(s)
	return strings.Repeat(" ", (t.width-utf8.RuneCountInString(s))/2) + s
}

func (t *Tape) cut(s string) string {
	if r := []rune(s); len(r) > t.width {
		return string(r[:t.width])
	}
	return s
}

// FormatQty writes milli-units as a person reads them: "2" for pieces,
// "0.455" for a weight.
func FormatQty(milli int64) string {
	if milli%1000 == 0 {
		return fmt.Sprint(milli / 1000)
	}
	s := fmt.Sprintf("%d.%03d", milli/1000, abs64(milli%1000))
	if milli < 0 && milli > -1000 {
		s = "-" + s
	}
	return strings.TrimRight(s, "0")
}
