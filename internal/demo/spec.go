package demo

// formKind identifies the shape (language and keys) of a form.
type formKind int

const (
	kindEN  formKind = iota // English form
	kindRU                  // Russian form
	kindUK                  // Ukrainian form (English courses)
	kindPL                  // Ukrainian form of the Polish course, same keys as kindUK
	kindOld                 // archived, older English form
	numForms
)

// question roles: how a lead's answer is rendered from the person.
const (
	roleName = iota
	roleEmail
	rolePhone
	roleCity
	roleChoice
)

type qspec struct {
	key, label, typ string
	role            int
	options         []Option
}

type formSpec struct {
	kind    formKind
	name    string
	status  string
	locale  string
	ageDays int // created this many days before Ref
	qs      []qspec
}

var (
	levelEN = []Option{
		{"beginner", "Beginner"}, {"elementary", "Elementary"}, {"intermediate", "Intermediate"},
		{"upper_intermediate", "Upper-Intermediate"}, {"advanced", "Advanced"},
	}
	levelRU = []Option{
		{"начальный", "Начальный"}, {"средний", "Средний"}, {"выше_среднего", "Выше среднего"}, {"продвинутый", "Продвинутый"},
	}
	channelUK = []Option{
		{"telegram", "Telegram"}, {"viber", "Viber"}, {"whatsapp", "WhatsApp"}, {"e-mail", "E-mail"},
	}
)

var formSpecs = [numForms]formSpec{
	kindEN: {kindEN, "eCademy EN — English courses", "ACTIVE", "EN_US", 140, []qspec{
		{"full_name", "Full name", "FULL_NAME", roleName, nil},
		{"email", "Email", "EMAIL", roleEmail, nil},
		{"phone_number", "Phone number", "PHONE", rolePhone, nil},
		{"city", "City", "CITY", roleCity, nil},
		{"level", "What is your English level?", "CUSTOM", roleChoice, levelEN},
	}},
	kindRU: {kindRU, "eCademy RU — Курсы английского", "ACTIVE", "RU_RU", 131, []qspec{
		{"имя", "Имя", "FULL_NAME", roleName, nil},
		{"эл._адрес", "Эл. адрес", "EMAIL", roleEmail, nil},
		{"телефон", "Телефон", "PHONE", rolePhone, nil},
		{"город", "Город", "CITY", roleCity, nil},
		{"уровень_английского", "Ваш уровень английского?", "CUSTOM", roleChoice, levelRU},
	}},
	kindUK: {kindUK, "eCademy UA — Курси англійської", "ACTIVE", "UK_UA", 122, []qspec{
		{"ім'я", "Ім'я", "FULL_NAME", roleName, nil},
		{"електронна_пошта", "Електронна пошта", "EMAIL", roleEmail, nil},
		{"номер_телефону", "Номер телефону", "PHONE", rolePhone, nil},
		{"куди_відправити_інформацію?", "Куди відправити інформацію?", "CUSTOM", roleChoice, channelUK},
	}},
	kindPL: {kindPL, "eCademy UA — Польська A1 онлайн", "ACTIVE", "UK_UA", 104, []qspec{
		{"ім'я", "Ім'я", "FULL_NAME", roleName, nil},
		{"електронна_пошта", "Електронна пошта", "EMAIL", roleEmail, nil},
		{"номер_телефону", "Номер телефону", "PHONE", rolePhone, nil},
		{"куди_відправити_інформацію?", "Куди відправити інформацію?", "CUSTOM", roleChoice, channelUK},
	}},
	kindOld: {kindOld, "eCademy EN — Summer intake (old)", "ARCHIVED", "EN_US", 410, []qspec{
		{"full_name", "Full name", "FULL_NAME", roleName, nil},
		{"email", "Email", "EMAIL", roleEmail, nil},
		{"phone_number", "Phone number", "PHONE", rolePhone, nil},
	}},
}

// campSpec describes one campaign and how well it converts.
type campSpec struct {
	name     string
	share    float64     // share of paid leads
	adSets   [2]string   // ad set names
	forms    [2]formKind // form of each ad set's ads
	ads      [4]string   // ad names, two per ad set
	adWeight [4]float64  // relative lead volume of each ad
	spendLo  int         // UAH per ad per day
	spendHi  int
	cpmLo    int // UAH per 1000 impressions
	cpmHi    int
	cardP    float64 // probability that a lead person gets a CRM card
	studentP float64 // probability that a card is a student
	sums     []int64 // payment sums, kopecks
	subject  int     // index into subjectSpecs
}

const organicCamp = 4 // pseudo-campaign index of organic leads
const noLeadCamp = 5  // pseudo-campaign index of cards without leads

var campSpecs = [4]campSpec{
	{
		name: "Autumn English Intake", share: 0.34,
		adSets: [2]string{"Autumn EN — Kyiv 25-44", "Autumn UA — Ukraine 18-35"},
		forms:  [2]formKind{kindEN, kindUK},
		ads: [4]string{"Autumn EN — video teacher", "Autumn EN — carousel levels",
			"Autumn UA — static discount", "Autumn UA — reels student story"},
		adWeight: [4]float64{1.2, 0.8, 0.9, 1.1},
		spendLo:  450, spendHi: 900, cpmLo: 70, cpmHi: 120,
		cardP: 0.40, studentP: 0.30,
		sums:    []int64{120000, 245050, 240000, 360000},
		subject: 0,
	},
	{
		name: "IELTS Prep", share: 0.18,
		adSets: [2]string{"IELTS — students 18-30", "IELTS RU — lookalike 2%"},
		forms:  [2]formKind{kindEN, kindRU},
		ads: [4]string{"IELTS — video band 7.5", "IELTS — carousel mock test",
			"IELTS RU — static free test", "IELTS RU — reels tips"},
		adWeight: [4]float64{1.3, 0.9, 0.8, 1.0},
		spendLo:  350, spendHi: 800, cpmLo: 90, cpmHi: 150,
		cardP: 0.45, studentP: 0.50,
		sums:    []int64{360000, 480000, 520050, 600000},
		subject: 1,
	},
	{
		name: "Kids English", share: 0.28,
		adSets: [2]string{"Kids — parents 28-45 Kyiv", "Kids RU — parents interests"},
		forms:  [2]formKind{kindUK, kindRU},
		ads: [4]string{"Kids — video classroom", "Kids — carousel games",
			"Kids RU — static trial lesson", "Kids RU — reels parents"},
		adWeight: [4]float64{1.1, 0.9, 1.0, 1.0},
		spendLo:  150, spendHi: 450, cpmLo: 60, cpmHi: 100,
		cardP: 0.40, studentP: 0.45,
		sums:    []int64{180000, 245050, 290000},
		subject: 2,
	},
	{
		name: "Polish A1 Online", share: 0.20,
		adSets: [2]string{"Polish — relocation 20-40", "Polish — broad Ukraine"},
		forms:  [2]formKind{kindPL, kindPL},
		ads: [4]string{"Polish A1 — video Warsaw", "Polish A1 — static Karta Polaka",
			"Polish A1 — carousel online", "Polish A1 — reels first words"},
		adWeight: [4]float64{1.0, 1.2, 0.8, 1.0},
		spendLo:  450, spendHi: 900, cpmLo: 80, cpmHi: 140,
		cardP: 0.25, studentP: 0.15,
		sums:    []int64{120000, 135000},
		subject: 3,
	},
}

// organic and walk-in conversion parameters.
const (
	organicCardP    = 0.35
	organicStudentP = 0.35
	noLeadStudentP  = 0.40
)

var generalSums = []int64{120000, 245050, 360000}

type subjectSpec struct {
	id       int
	name     string
	short    string
	price    int64 // kopecks charged per attended lesson
	teachers []int
	slots    [][2]string
}

var subjectSpecs = []subjectSpec{
	{3, "Английский язык", "EN", 25000, []int{11, 17, 19, 31},
		[][2]string{{"10:00", "11:30"}, {"18:30", "20:00"}, {"20:00", "21:30"}}},
	{5, "IELTS", "IELTS", 40000, []int{14, 31},
		[][2]string{{"09:00", "10:30"}, {"19:00", "20:30"}}},
	{8, "Английский для детей", "KIDS", 22000, []int{26, 35, 17},
		[][2]string{{"15:00", "16:00"}, {"16:15", "17:15"}}},
	{12, "Польский язык", "PL", 25000, []int{23},
		[][2]string{{"18:00", "19:30"}, {"19:45", "21:15"}}},
}

var teacherIDs = []int{11, 14, 17, 19, 23, 26, 31, 35}

// Dictionary ids are deliberately irregular so nobody hard-codes them.
const (
	stStudying = 2
	stFrozen   = 5
	stFinished = 6

	lsNew       = 1
	lsContacted = 3
	lsTrial     = 4
	lsRefused   = 7

	srcFacebook  = 3
	srcInstagram = 5
	srcSite      = 6
	srcReferral  = 8
	srcCall      = 9

	payExpense = 4
	payIncome  = 7

	branchKyiv   = 1
	branchOnline = 2
)

func dictionaries(d *Dataset) {
	d.StudyStatuses = []Dict{{stStudying, "Учится"}, {stFrozen, "Заморожен"}, {stFinished, "Закончил"}}
	d.LeadStatuses = []Dict{{lsNew, "Новый"}, {lsContacted, "Связались"}, {lsTrial, "Пробный урок"}, {lsRefused, "Отказ"}}
	d.LeadSources = []Dict{{srcFacebook, "Facebook Lead Ads"}, {srcInstagram, "Instagram"}, {srcSite, "Сайт"},
		{srcReferral, "Рекомендация"}, {srcCall, "Звонок"}}
	d.PayTypes = []Dict{{payExpense, "Расход"}, {payIncome, "Доход"}}
	d.Branches = []Dict{{branchKyiv, "eCademy Київ, Поділ"}, {branchOnline, "eCademy Online"}}
	for _, s := range subjectSpecs {
		d.Subjects = append(d.Subjects, Dict{s.id, s.name})
	}
	for i, id := range teacherIDs {
		d.Teachers = append(d.Teachers, Dict{id, teacherNames[i]})
	}
}
