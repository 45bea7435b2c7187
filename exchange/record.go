package exchange

// Kind is what a record of a file asks.
type Kind int

const (
	KindItem           Kind = iota + 1 // add or update an item
	KindGroup                          // an ATOL group line: a code and a name for items' parent codes
	KindDeleteAll                      // ATOL $$$DELETEALLWARES: items not in the file are deactivated
	KindDeleteBarcodes                 // ATOL $$$DELETEBARCODESBYWARECODE: Item.Code loses its barcodes
)

// Record is one line a reader understood.
type Record struct {
	Line  int
	Kind  Kind
	Item  Item  // KindItem; KindDeleteBarcodes uses Code only
	Group Group // KindGroup
}

// Group is an ATOL group line.
type Group struct {
	Code, Name, Parent string
}

// Reader is a streaming reader of goods: CSVReader or ATOLReader.
type Reader interface {
	Next() (Record, error)
}
