package proto

// Command codes a till uses (fiscal-shtrih-m.md §3).
const (
	CmdShortStatus   Command = 0x10
	CmdFullStatus    Command = 0x11
	CmdBeep          Command = 0x13
	CmdPrintLine     Command = 0x17
	CmdWriteTable    Command = 0x1E
	CmdReadTable     Command = 0x1F
	CmdCut           Command = 0x25
	CmdFontInfo      Command = 0x26
	CmdTableInfo     Command = 0x2D
	CmdFieldInfo     Command = 0x2E
	CmdFeed          Command = 0x29
	CmdOpenDrawer    Command = 0x28
	CmdXReport       Command = 0x40
	CmdZReport       Command = 0x41
	CmdCashIn        Command = 0x50
	CmdCashOut       Command = 0x51
	CmdErrorText     Command = 0x6B
	CmdSale          Command = 0x80
	CmdSaleReturn    Command = 0x82
	CmdCloseReceipt  Command = 0x85
	CmdDiscount      Command = 0x86
	CmdCancelReceipt Command = 0x88
	CmdRepeatDoc     Command = 0x8C
	CmdSubtotal      Command = 0x89
	CmdOpenReceipt   Command = 0x8D
	CmdContinuePrint Command = 0xB0
	CmdBarcode       Command = 0xC2
	CmdOpenShift     Command = 0xE0
	CmdDeviceType    Command = 0xFC
	CmdFNStatus      Command = 0xFF01
	CmdFNCancelDoc   Command = 0xFF08
	CmdFNFindDoc     Command = 0xFF0A
	CmdFNOpenShift   Command = 0xFF0B
	CmdFNWriteTLV    Command = 0xFF0C
	CmdFNBeginCorr   Command = 0xFF35
	CmdFNCorrection  Command = 0xFF36
	CmdFNShiftParams Command = 0xFF40
	CmdFNBeginOpen   Command = 0xFF41
	CmdFNBeginClose  Command = 0xFF42
	CmdFNCloseShift  Command = 0xFF43
	CmdCloseV2       Command = 0xFF45
	CmdOperationV2   Command = 0xFF46
	CmdFNCorrV2      Command = 0xFF4A
	CmdFNWriteOpTLV  Command = 0xFF4D
)
