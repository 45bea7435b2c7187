package emu

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// Every frame of fiscal-shtrih-m.md §7 from the device's side: the request
// bytes go in over the wire, and where §7 gives the reply, the reply bytes
// must come out exactly.
func TestGoldenFrames(t *testing.T) {
	sale150 := "FF 46 1E 00 00 00 01 40 42 0F 00 00 00 98 3A 00 00 00 FF FF FF FF FF FF FF FF FF FF 08 00 00 00 CA EE EC EF EB E5 EA F1 ED FB E9 20 EE E1 E5 E4"
	for _, tc := range []struct {
		name  string
		cfg   func(*Config)
		setup func(e *Emulator, h *host)
		req   string
		reply string // "" = only require ERR 00
		check func(t *testing.T, e *Emulator, reply []byte)
	}{
		{
			name: "1-2 10h mode 2", setup: openShift,
			req:   "02 05 10 1E 00 00 00 0B",
			reply: "02 10 10 00 1E 92 02 02 00 00 9F E5 18 01 00 92 08 00 75",
		},
		{
			name: "3 10h pwd 1, 17 bytes, mode 8", cfg: func(c *Config) { c.Status17 = true },
			setup: func(e *Emulator, h *host) {
				openShift(e, h)
				h.ok(unhex(t, "8D 01 00 00 00 00"))
			},
			req: "02 05 10 01 00 00 00 14",
			check: func(t *testing.T, e *Emulator, r []byte) {
				if r[1] != 0x11 || r[4] != 0x01 || r[7] != 0x08 || r[8] != 0 {
					t.Errorf("reply % X: want LEN 17, op 1, mode 08, submode 0", r)
				}
			},
		},
		{name: "4 13h beep", req: "02 05 13 1E 00 00 00 08", reply: "02 03 13 00 1E 0E"},
		{
			name: "5 17h print line", req: "02 2E 17 1E 00 00 00 02 C8 F2 EE E3 EE" + zeros(35) + "FC",
			reply: "02 03 17 00 1E 0A",
		},
		{name: "6 25h cut", req: "02 06 25 1E 00 00 00 00 3D", reply: "02 03 25 00 1E 38"},
		{
			name: "6 28h drawer", req: "02 06 28 1E 00 00 00 00 30", reply: "02 03 28 00 1E 35",
			check: func(t *testing.T, e *Emulator, _ []byte) {
				e.mu.Lock()
				defer e.mu.Unlock()
				if e.flags()&(1<<11) == 0 {
					t.Error("drawer flag b11 not set after 28h")
				}
			},
		},
		{name: "7 B0h", req: "02 05 B0 1E 00 00 00 AB", reply: "02 03 B0 00 1E AD"},
		{
			name: "C 1Fh reads what 1Eh wrote",
			setup: func(e *Emulator, h *host) {
				h.ok(unhex(t, "1E 1E 00 00 00 02 1E 00 02 C8 E2 E0 ED EE E2"+zeros(15)))
			},
			req: "02 09 1F 1E 00 00 00 02 1E 00 02 16", reply: "02 17 1F 00 C8 E2 E0 ED EE E2" + zeros(15) + "23",
		},
		{
			name: "C 2Eh name field of an old model", cfg: func(c *Config) { c.NameWidth = 21 },
			req:   "02 07 2E 1E 00 00 00 02 02 37",
			reply: "02 2C 2E 00 C8 EC FF 20 EE EF E5 F0 E0 F2 EE F0 E0" + zeros(27) + "01 15 15",
		},
		{name: "C 26h font 1", req: "02 06 26 1E 00 00 00 01 3F", reply: "02 07 26 00 B0 01 0C 18 07 83"},
		{name: "C C2h barcode", setup: openShift, req: "02 0A C2 1E 00 00 00 15 C5 7E 21 6B 32", reply: "02 03 C2 00 1E DF"},
		// Computed: LRC 03 ^ 29 ^ 00 ^ 1E = 34; 03 ^ 8C ^ 1E = 91; 02 ^ 8C ^ 56 = D8.
		{name: "C 29h feed", req: "02 07 29 1E 00 00 00 02 03 31", reply: "02 03 29 00 1E 34"},
		{name: "C 8Ch nothing to repeat", req: "02 05 8C 1E 00 00 00 97", reply: "02 02 8C 56 D8"},
		{
			name: "C 8Ch repeat the last receipt",
			setup: func(e *Emulator, h *host) {
				openShift(e, h)
				h.ok(saleLine(5000))
				h.ok(closeCash(5000))
			},
			req: "02 05 8C 1E 00 00 00 97", reply: "02 03 8C 00 1E 91",
			check: func(t *testing.T, e *Emulator, _ []byte) {
				if n := len(e.Documents()); n != 2 {
					t.Errorf("8Ch made a document: %d in fiscal memory, want 2", n)
				}
			},
		},
		{
			name: "8 50h cash in", setup: func(e *Emulator, h *host) {
				openShift(e, h)
				e.mu.Lock()
				e.mem.DocNo = 15
				e.mu.Unlock()
			}, req: "02 0A 50 01 00 00 00 10 27 00 00 00 6C", reply: "02 05 50 00 01 10 00 44",
			check: func(t *testing.T, e *Emulator, _ []byte) {
				if got := e.CashInDrawer(); got != 10000 {
					t.Errorf("cash in drawer %d, want 10000", got)
				}
			},
		},
		{
			name: "9 E0h open shift", req: "02 05 E0 1E 00 00 00 FB", reply: "02 03 E0 00 1E FD",
			check: func(t *testing.T, e *Emulator, _ []byte) {
				if m, _, shift, fd := e.State(); m != 2 || shift != 1 || fd != 1 {
					t.Errorf("state mode %d shift %d FD %d, want 2 1 1", m, shift, fd)
				}
			},
		},
		{name: "10 8Dh open receipt", setup: openShift, req: "02 06 8D 1E 00 00 00 00 95", reply: "02 03 8D 00 1E 90"},
		{
			name: "11 FF46h sale", setup: openShift,
			req:   "02 30 FF 46 1E 00 00 00 01 40 42 0F 00 00 00 10 27 00 00 00 10 27 00 00 00 FF FF FF FF FF 08 00 00 00 CA EE EC EF EB E5 EA F1 ED FB E9 20 EE E1 E5 E4 8F",
			reply: "02 03 FF 46 00 BA",
			check: func(t *testing.T, e *Emulator, _ []byte) {
				e.mu.Lock()
				defer e.mu.Unlock()
				l := e.mem.Receipt.Lines[0]
				if l.Name != "Комплексный обед" || l.Amount != 10000 || l.TaxBits != 8 || e.mode() != 8 {
					t.Errorf("line %+v mode %d", l, e.mode())
				}
			},
		},
		{
			name: "12 FF0Ch 1203", setup: startReceipt,
			req:   "02 16 FF 0C 1E 00 00 00 B3 04 0C 00 37 37 36 36 38 38 38 33 32 31 20 20 48",
			reply: "02 03 FF 0C 00 F0",
		},
		{
			name: "13 FF0Ch 1021 cp866", setup: startReceipt,
			req:   "02 15 FF 0C 1E 00 00 00 FD 03 0B 00 88 A2 A0 AD AE A2 20 88 2E 88 2E 06",
			reply: "02 03 FF 0C 00 F0",
			check: func(t *testing.T, e *Emulator, _ []byte) {
				e.mu.Lock()
				defer e.mu.Unlock()
				if e.mem.DocCashier != "Иванов И.И." {
					t.Errorf("cashier %q", e.mem.DocCashier)
				}
			},
		},
		{
			name: "14-15 FF45h close", cfg: func(c *Config) {
				c.Sign = func(Document) uint32 { return 0x9A3F1C2B }
			}, setup: func(e *Emulator, h *host) {
				openShift(e, h)
				e.mu.Lock()
				e.mem.LastFD = 420
				e.mu.Unlock()
				h.ok(unhex(t, sale150))
			},
			req:   "02 76 FF 45 1E 00 00 00 98 3A 00 00 00" + zeros(106) + "01 71",
			reply: "02 10 FF 45 00 00 00 00 00 00 A5 01 00 00 2B 1C 3F 9A 9C",
		},
		{name: "16 88h cancel", setup: startReceipt, req: "02 05 88 1E 00 00 00 93", reply: "02 03 88 00 1E 95"},
		{
			name: "17 FF01h", cfg: func(c *Config) {
				c.Serial = "9287440301120991"
				c.Clock = func() time.Time { return time.Date(2021, 7, 29, 11, 29, 40, 0, time.UTC) }
			}, setup: func(e *Emulator, h *host) {
				openShift(e, h)
				e.mu.Lock()
				e.mem.LastFD = 425
				e.mu.Unlock()
			},
			req:   "02 06 FF 01 1E 00 00 00 E6",
			reply: "02 21 FF 01 00 03 00 00 01 00 15 07 1D 0B 1D 39 32 38 37 34 34 30 33 30 31 31 32 30 39 39 31 A9 01 00 00 68",
		},
		{
			name: "18 FF0Ah", setup: func(e *Emulator, h *host) {
				e.mu.Lock()
				e.mem.LastFD = 163
				e.mem.Docs = append(e.mem.Docs, Document{
					Number: 163, Type: DocReceipt, Operation: OpSale, Amount: 20000,
					Sign: 0x2E4BEAEB, Time: time.Date(2017, 3, 24, 20, 53, 0, 0, time.UTC),
				})
				e.mu.Unlock()
			},
			req:   "02 0A FF 0A 1E 00 00 00 A3 00 00 00 42",
			reply: "02 18 FF 0A 00 03 00 11 03 18 14 35 A3 00 00 00 EB EA 4B 2E 01 20 4E 00 00 00 6D",
		},
		{name: "19 FF40h", setup: func(e *Emulator, h *host) {
			openShift(e, h)
			e.mu.Lock()
			e.mem.Shift, e.mem.ShiftReceipts = 308, 5
			e.mu.Unlock()
		}, req: "02 06 FF 40 1E 00 00 00 A7", reply: "02 08 FF 40 00 01 34 01 05 00 86"},
		{
			name: "20 41h Z", setup: openShift, req: "02 05 41 1E 00 00 00 5A", reply: "02 03 41 00 1E 5C",
			check: func(t *testing.T, e *Emulator, _ []byte) {
				if m, _, _, _ := e.State(); m != 4 {
					t.Errorf("mode %d after Z, want 4", m)
				}
			},
		},
		// Computed frames for the commands §7 lacks: the requests are the
		// driver's computed goldens (device/shtrih commands_test.go), the
		// replies built by hand from the §3 reply column, LRC included.
		{name: "C 40h X", setup: openShift, req: "02 05 40 1E 00 00 00 5B", reply: "02 03 40 00 1E 5D"},
		{
			name: "C 51h cash out 50.00", setup: func(e *Emulator, h *host) {
				openShift(e, h)
				h.ok(unhex(t, "50 1E 00 00 00 10 27 00 00 00")) // cash in 100.00
				e.mu.Lock()
				e.mem.DocNo = 16
				e.mu.Unlock()
			},
			req: "02 0A 51 1E 00 00 00 88 13 00 00 00 DE", reply: "02 05 51 00 1E 11 00 5B",
			check: func(t *testing.T, e *Emulator, _ []byte) {
				if got := e.CashInDrawer(); got != 5000 {
					t.Errorf("cash in drawer %d, want 5000", got)
				}
			},
		},
		{name: "C FF41h", req: "02 06 FF 41 1E 00 00 00 A6", reply: "02 03 FF 41 00 BD"},
		{
			name: "C FF0Bh", cfg: func(c *Config) { c.Sign = func(Document) uint32 { return 0xDDCCBBAA } },
			setup: func(e *Emulator, h *host) {
				e.mu.Lock()
				e.mem.Shift, e.mem.LastFD = 308, 430
				e.mu.Unlock()
				h.ok(unhex(t, "FF 41 1E 00 00 00"))
			},
			req: "02 06 FF 0B 1E 00 00 00 EC", reply: "02 0D FF 0B 00 35 01 AF 01 00 00 AA BB CC DD 63",
		},
		{
			name: "C FF08h", setup: func(e *Emulator, h *host) { h.ok(unhex(t, "FF 41 1E 00 00 00")) },
			req: "02 06 FF 08 1E 00 00 00 EF", reply: "02 03 FF 08 00 F4",
		},
		{name: "C FF42h", setup: openShift, req: "02 06 FF 42 1E 00 00 00 A5", reply: "02 03 FF 42 00 BE"},
		{
			name: "C FF43h", cfg: func(c *Config) { c.Sign = func(Document) uint32 { return 0x01020304 } },
			setup: func(e *Emulator, h *host) {
				openShift(e, h)
				e.mu.Lock()
				e.mem.Shift, e.mem.LastFD = 309, 429
				e.mu.Unlock()
				h.ok(unhex(t, "FF 42 1E 00 00 00"))
			},
			req: "02 06 FF 43 1E 00 00 00 A4", reply: "02 0D FF 43 00 35 01 AE 01 00 00 04 03 02 01 2E",
		},
		{
			name: "C 89h subtotal 150.00", setup: func(e *Emulator, h *host) {
				startReceipt(e, h)
				h.ok(unhex(t, sale150))
			},
			req: "02 05 89 1E 00 00 00 92", reply: "02 08 89 00 1E 98 3A 00 00 00 3D",
		},
		{
			name: "C 1Eh table 2 row 30 name", req: "02 1E 1E 1E 00 00 00 02 1E 00 02 C8 E2 E0 ED EE E2" + zeros(15) + "2B",
			reply: "02 03 1E 00 1E 03",
		},
		{
			name: "C 80h + 85h classic: 1.500 × 99.90, cash 200.00, change 50.15", cfg: func(c *Config) { c.Classic = true },
			setup: func(e *Emulator, h *host) {
				openShift(e, h)
				f := unhex(t, "02 3C 80 1E 00 00 00 DC 05 00 00 00 06 27 00 00 00 01 01 00 00 00 D5 EB E5 E1"+zeros(36)+"60")
				body, err := proto.DecodeFrame(f)
				if err != nil {
					t.Fatal(err)
				}
				if r := h.do(body); !bytes.Equal(r, unhex(t, "02 03 80 00 1E 9D")) {
					t.Fatalf("80h reply % X", r)
				}
			},
			req:   "02 47 85 1E 00 00 00 20 4E 00 00 00" + zeros(15) + "00 00 00 00 00 00" + zeros(40) + "B2",
			reply: "02 08 85 00 1E 97 13 00 00 00 17",
		},
		{
			name: "C 82h classic return, pwd 1", cfg: func(c *Config) { c.Classic = true }, setup: openShift,
			req:   "02 3C 82 01 00 00 00 D0 07 00 00 00 CA 3A 00 00 00 00 04 00 00 00 C2 EE E7 E2 F0 E0 F2" + zeros(33) + "57",
			reply: "02 03 82 00 01 80",
		},
		{name: "C 6Bh error text", req: "02 02 6B 6B 02", check: func(t *testing.T, _ *Emulator, r []byte) {
			if len(r) < 6 || r[2] != 0x6B || r[3] != 0 {
				t.Errorf("6Bh reply % X: want a text after ERR 00", r)
			}
		}},
		{name: "C FCh", req: "02 01 FC FD", check: func(t *testing.T, _ *Emulator, r []byte) {
			if len(r) < 12 || r[2] != 0xFC || r[3] != 0 {
				t.Errorf("FCh reply % X", r)
			}
		}},
		{name: "C 11h", setup: openShift, req: "02 05 11 1E 00 00 00 0A", check: func(t *testing.T, _ *Emulator, r []byte) {
			// LEN 30h as in the driver's golden reply; the data is the
			// emulator's own (firmware, dates, serial).
			if r[1] != 0x30 || r[2] != 0x11 || r[3] != 0 || r[4] != 0x1E || r[17] != 2 {
				t.Errorf("11h reply % X: want LEN 30, op 1E, mode 2", r)
			}
		}},
		{
			name: "20 FF0Ch 1203 twice -> 33h", setup: func(e *Emulator, h *host) {
				startReceipt(e, h)
				h.ok(unhex(t, "FF 0C 1E 00 00 00 B3 04 0C 00 37 37 36 36 38 38 38 33 32 31 20 20"))
			}, req: "02 16 FF 0C 1E 00 00 00 B3 04 0C 00 37 37 36 36 38 38 38 33 32 31 20 20 48",
			reply: "02 03 FF 0C 33 C3",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fastCfg(newClock())
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			e := New(cfg)
			h := newHost(t, e)
			if tc.setup != nil {
				tc.setup(e, h)
			}
			req := unhex(t, tc.req)
			if _, err := proto.DecodeFrame(req); err != nil {
				t.Fatalf("golden request: %v", err)
			}
			h.write(proto.ENQ)
			h.ctl(proto.NAK)
			h.write(req...)
			h.ctl(proto.ACK)
			got := h.readFrame(5 * time.Second)
			h.write(proto.ACK)
			if tc.reply != "" {
				if want := unhex(t, tc.reply); !bytes.Equal(got, want) {
					t.Errorf("reply\n got % X\nwant % X", got, want)
				}
			} else if body, err := proto.DecodeFrame(got); err != nil || body[cmdLen(body)] != 0 {
				t.Errorf("reply % X: %v", got, err)
			}
			if tc.check != nil {
				tc.check(t, e, got)
			}
		})
	}
}

func cmdLen(body []byte) int {
	if body[0] == 0xFF {
		return 2
	}
	return 1
}

func zeros(n int) string { return strings.Repeat(" 00", n) + " " }

func openShift(e *Emulator, h *host) { h.ok(pwdBody(proto.CmdOpenShift, 30)) }

func startReceipt(e *Emulator, h *host) {
	openShift(e, h)
	h.ok(append(pwdBody(proto.CmdOpenReceipt, 30), 0))
}
