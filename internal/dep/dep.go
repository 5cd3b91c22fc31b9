package dep

import (
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/nyaruka/phonenumbers"
	_ "github.com/shopspring/decimal"
	_ "golang.org/x/time/rate"
)
