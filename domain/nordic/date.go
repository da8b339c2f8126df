package nordic

import "time"

// validDate reports whether year-month-day is a real Gregorian calendar date.
func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= daysIn(year, month)
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// dateAfter reports whether (y, m, d) is later than today's calendar date.
func dateAfter(y, m, d int, today time.Time) bool {
	ty, tm, td := today.Date()
	if y != ty {
		return y > ty
	}
	if m != int(tm) {
		return m > int(tm)
	}
	return d > td
}

// latestCentury returns the latest year ending in yy whose date (yy, m, d)
// is not after today.
func latestCentury(yy, m, d int, today time.Time) int {
	year := today.Year()/100*100 + yy
	if dateAfter(year, m, d, today) {
		year -= 100
	}
	return year
}

// latestYearEnding returns the latest year ending in the two digits yy that is not after limit.
func latestYearEnding(yy, limit int) int {
	return limit - ((limit-yy)%100+100)%100
}

func utcDate(y, m, d int) time.Time {
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
}
