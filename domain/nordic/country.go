package nordic

import "slices"

// iso3166 maps every assigned ISO 3166-1 alpha-2 code (249 codes) to its
// alpha-3 code, plus Kosovo's user-assigned XK/XKX, which the EU, SWIFT and
// IBAN use. Reserved and alias codes (UK, EU, ZZ, AN, CS, …) are absent.
var iso3166 = map[string]string{
	"AD": "AND", "AE": "ARE", "AF": "AFG", "AG": "ATG", "AI": "AIA", "AL": "ALB", "AM": "ARM", "AO": "AGO",
	"AQ": "ATA", "AR": "ARG", "AS": "ASM", "AT": "AUT", "AU": "AUS", "AW": "ABW", "AX": "ALA", "AZ": "AZE",
	"BA": "BIH", "BB": "BRB", "BD": "BGD", "BE": "BEL", "BF": "BFA", "BG": "BGR", "BH": "BHR", "BI": "BDI",
	"BJ": "BEN", "BL": "BLM", "BM": "BMU", "BN": "BRN", "BO": "BOL", "BQ": "BES", "BR": "BRA", "BS": "BHS",
	"BT": "BTN", "BV": "BVT", "BW": "BWA", "BY": "BLR", "BZ": "BLZ", "CA": "CAN", "CC": "CCK", "CD": "COD",
	"CF": "CAF", "CG": "COG", "CH": "CHE", "CI": "CIV", "CK": "COK", "CL": "CHL", "CM": "CMR", "CN": "CHN",
	"CO": "COL", "CR": "CRI", "CU": "CUB", "CV": "CPV", "CW": "CUW", "CX": "CXR", "CY": "CYP", "CZ": "CZE",
	"DE": "DEU", "DJ": "DJI", "DK": "DNK", "DM": "DMA", "DO": "DOM", "DZ": "DZA", "EC": "ECU", "EE": "EST",
	"EG": "EGY", "EH": "ESH", "ER": "ERI", "ES": "ESP", "ET": "ETH", "FI": "FIN", "FJ": "FJI", "FK": "FLK",
	"FM": "FSM", "FO": "FRO", "FR": "FRA", "GA": "GAB", "GB": "GBR", "GD": "GRD", "GE": "GEO", "GF": "GUF",
	"GG": "GGY", "GH": "GHA", "GI": "GIB", "GL": "GRL", "GM": "GMB", "GN": "GIN", "GP": "GLP", "GQ": "GNQ",
	"GR": "GRC", "GS": "SGS", "GT": "GTM", "GU": "GUM", "GW": "GNB", "GY": "GUY", "HK": "HKG", "HM": "HMD",
	"HN": "HND", "HR": "HRV", "HT": "HTI", "HU": "HUN", "ID": "IDN", "IE": "IRL", "IL": "ISR", "IM": "IMN",
	"IN": "IND", "IO": "IOT", "IQ": "IRQ", "IR": "IRN", "IS": "ISL", "IT": "ITA", "JE": "JEY", "JM": "JAM",
	"JO": "JOR", "JP": "JPN", "KE": "KEN", "KG": "KGZ", "KH": "KHM", "KI": "KIR", "KM": "COM", "KN": "KNA",
	"KP": "PRK", "KR": "KOR", "KW": "KWT", "KY": "CYM", "KZ": "KAZ", "LA": "LAO", "LB": "LBN", "LC": "LCA",
	"LI": "LIE", "LK": "LKA", "LR": "LBR", "LS": "LSO", "LT": "LTU", "LU": "LUX", "LV": "LVA", "LY": "LBY",
	"MA": "MAR", "MC": "MCO", "MD": "MDA", "ME": "MNE", "MF": "MAF", "MG": "MDG", "MH": "MHL", "MK": "MKD",
	"ML": "MLI", "MM": "MMR", "MN": "MNG", "MO": "MAC", "MP": "MNP", "MQ": "MTQ", "MR": "MRT", "MS": "MSR",
	"MT": "MLT", "MU": "MUS", "MV": "MDV", "MW": "MWI", "MX": "MEX", "MY": "MYS", "MZ": "MOZ", "NA": "NAM",
	"NC": "NCL", "NE": "NER", "NF": "NFK", "NG": "NGA", "NI": "NIC", "NL": "NLD", "NO": "NOR", "NP": "NPL",
	"NR": "NRU", "NU": "NIU", "NZ": "NZL", "OM": "OMN", "PA": "PAN", "PE": "PER", "PF": "PYF", "PG": "PNG",
	"PH": "PHL", "PK": "PAK", "PL": "POL", "PM": "SPM", "PN": "PCN", "PR": "PRI", "PS": "PSE", "PT": "PRT",
	"PW": "PLW", "PY": "PRY", "QA": "QAT", "RE": "REU", "RO": "ROU", "RS": "SRB", "RU": "RUS", "RW": "RWA",
	"SA": "SAU", "SB": "SLB", "SC": "SYC", "SD": "SDN", "SE": "SWE", "SG": "SGP", "SH": "SHN", "SI": "SVN",
	"SJ": "SJM", "SK": "SVK", "SL": "SLE", "SM": "SMR", "SN": "SEN", "SO": "SOM", "SR": "SUR", "SS": "SSD",
	"ST": "STP", "SV": "SLV", "SX": "SXM", "SY": "SYR", "SZ": "SWZ", "TC": "TCA", "TD": "TCD", "TF": "ATF",
	"TG": "TGO", "TH": "THA", "TJ": "TJK", "TK": "TKL", "TL": "TLS", "TM": "TKM", "TN": "TUN", "TO": "TON",
	"TR": "TUR", "TT": "TTO", "TV": "TUV", "TW": "TWN", "TZ": "TZA", "UA": "UKR", "UG": "UGA", "UM": "UMI",
	"US": "USA", "UY": "URY", "UZ": "UZB", "VA": "VAT", "VC": "VCT", "VE": "VEN", "VG": "VGB", "VI": "VIR",
	"VN": "VNM", "VU": "VUT", "WF": "WLF", "WS": "WSM", "YE": "YEM", "YT": "MYT", "ZA": "ZAF", "ZM": "ZMB",
	"ZW": "ZWE",
	"XK": "XKX", // Kosovo (user-assigned, not ISO)
}

// iso3166Alpha3 is the inverse of iso3166.
var iso3166Alpha3 = func() map[string]string {
	m := make(map[string]string, len(iso3166))
	for a2, a3 := range iso3166 {
		m[a3] = a2
	}
	return m
}()

// CountryCode validates an ISO 3166-1 alpha-2 country code: case-insensitive
// in, upper-case out. It accepts the 249 assigned codes and XK (Kosovo); it
// does not map aliases (UK, EU and ZZ are not valid) and does not trim.
func CountryCode(s string) (string, bool) {
	if len(s) != 2 {
		return "", false
	}
	u := asciiUpper(s)
	if _, ok := iso3166[u]; !ok {
		return "", false
	}
	return u, true
}

// CountryCodeAlpha3 validates an ISO 3166-1 alpha-3 country code (SWE, NOR,
// …; used for KYC citizenship answers): case-insensitive in, upper-case out.
// It accepts the 249 assigned codes and XKX (Kosovo).
func CountryCodeAlpha3(s string) (string, bool) {
	if len(s) != 3 {
		return "", false
	}
	u := asciiUpper(s)
	if _, ok := iso3166Alpha3[u]; !ok {
		return "", false
	}
	return u, true
}

// Alpha2ToAlpha3 returns the alpha-3 code of a valid alpha-2 country code
// (case-insensitive), e.g. "se" → "SWE".
func Alpha2ToAlpha3(alpha2 string) (string, bool) {
	u, ok := CountryCode(alpha2)
	if !ok {
		return "", false
	}
	return iso3166[u], true
}

// Alpha3ToAlpha2 returns the alpha-2 code of a valid alpha-3 country code
// (case-insensitive), e.g. "nor" → "NO".
func Alpha3ToAlpha2(alpha3 string) (string, bool) {
	u, ok := CountryCodeAlpha3(alpha3)
	if !ok {
		return "", false
	}
	return iso3166Alpha3[u], true
}

// CountryCodesAlpha3 returns every code CountryCodeAlpha3 accepts, sorted.
func CountryCodesAlpha3() []string {
	out := make([]string, 0, len(iso3166Alpha3))
	for a3 := range iso3166Alpha3 {
		out = append(out, a3)
	}
	slices.Sort(out)
	return out
}
