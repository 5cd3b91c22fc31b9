package demo

// name is a first name in Cyrillic with its Latin transliteration.
type name struct{ cyr, lat string }

// surname holds the male and female forms of a surname (equal for
// gender-neutral ones) in Cyrillic and Latin.
type surname struct{ m, f, mLat, fLat string }

// city is a city name in Ukrainian, Russian and English.
type city struct{ uk, ru, en string }

var femaleNames = []name{
	{"Олена", "Olena"}, {"Ірина", "Iryna"}, {"Наталія", "Nataliia"}, {"Оксана", "Oksana"},
	{"Тетяна", "Tetiana"}, {"Юлія", "Yuliia"}, {"Марія", "Mariia"}, {"Анна", "Anna"},
	{"Катерина", "Kateryna"}, {"Світлана", "Svitlana"}, {"Вікторія", "Viktoriia"}, {"Дарина", "Daryna"},
	{"Софія", "Sofiia"}, {"Анастасія", "Anastasiia"}, {"Ольга", "Olha"}, {"Людмила", "Liudmyla"},
	{"Галина", "Halyna"}, {"Марина", "Maryna"}, {"Аліна", "Alina"}, {"Христина", "Khrystyna"},
	{"Валерія", "Valeriia"}, {"Поліна", "Polina"}, {"Яна", "Yana"}, {"Діана", "Diana"},
	{"Ксенія", "Kseniia"}, {"Єлизавета", "Yelyzaveta"}, {"Вероніка", "Veronika"}, {"Надія", "Nadiia"},
	{"Лариса", "Larysa"}, {"Інна", "Inna"}, {"Елена", "Elena"}, {"Екатерина", "Ekaterina"},
	{"Наталья", "Natalya"}, {"Татьяна", "Tatyana"}, {"Светлана", "Svetlana"}, {"Ирина", "Irina"},
}

var maleNames = []name{
	{"Олександр", "Oleksandr"}, {"Андрій", "Andrii"}, {"Дмитро", "Dmytro"}, {"Сергій", "Serhii"},
	{"Максим", "Maksym"}, {"Іван", "Ivan"}, {"Богдан", "Bohdan"}, {"Тарас", "Taras"},
	{"Віталій", "Vitalii"}, {"Олег", "Oleh"}, {"Юрій", "Yurii"}, {"Микола", "Mykola"},
	{"Павло", "Pavlo"}, {"Роман", "Roman"}, {"Артем", "Artem"}, {"Денис", "Denys"},
	{"Володимир", "Volodymyr"}, {"Ігор", "Ihor"}, {"Євген", "Yevhen"}, {"Назар", "Nazar"},
	{"Владислав", "Vladyslav"}, {"Костянтин", "Kostiantyn"}, {"Данило", "Danylo"}, {"Михайло", "Mykhailo"},
	{"Петро", "Petro"}, {"Алексей", "Aleksei"}, {"Дмитрий", "Dmitrii"}, {"Сергей", "Sergei"},
	{"Михаил", "Mikhail"}, {"Николай", "Nikolai"},
}

var surnames = []surname{
	{"Коваленко", "Коваленко", "Kovalenko", "Kovalenko"},
	{"Шевченко", "Шевченко", "Shevchenko", "Shevchenko"},
	{"Бондаренко", "Бондаренко", "Bondarenko", "Bondarenko"},
	{"Ткаченко", "Ткаченко", "Tkachenko", "Tkachenko"},
	{"Кравченко", "Кравченко", "Kravchenko", "Kravchenko"},
	{"Олійник", "Олійник", "Oliinyk", "Oliinyk"},
	{"Мельник", "Мельник", "Melnyk", "Melnyk"},
	{"Шевчук", "Шевчук", "Shevchuk", "Shevchuk"},
	{"Поліщук", "Поліщук", "Polishchuk", "Polishchuk"},
	{"Бойко", "Бойко", "Boiko", "Boiko"},
	{"Коваль", "Коваль", "Koval", "Koval"},
	{"Савченко", "Савченко", "Savchenko", "Savchenko"},
	{"Руденко", "Руденко", "Rudenko", "Rudenko"},
	{"Марченко", "Марченко", "Marchenko", "Marchenko"},
	{"Лисенко", "Лисенко", "Lysenko", "Lysenko"},
	{"Мороз", "Мороз", "Moroz", "Moroz"},
	{"Левченко", "Левченко", "Levchenko", "Levchenko"},
	{"Кравчук", "Кравчук", "Kravchuk", "Kravchuk"},
	{"Павленко", "Павленко", "Pavlenko", "Pavlenko"},
	{"Гончаренко", "Гончаренко", "Honcharenko", "Honcharenko"},
	{"Карпенко", "Карпенко", "Karpenko", "Karpenko"},
	{"Романюк", "Романюк", "Romaniuk", "Romaniuk"},
	{"Литвиненко", "Литвиненко", "Lytvynenko", "Lytvynenko"},
	{"Ковальчук", "Ковальчук", "Kovalchuk", "Kovalchuk"},
	{"Ткачук", "Ткачук", "Tkachuk", "Tkachuk"},
	{"Харченко", "Харченко", "Kharchenko", "Kharchenko"},
	{"Мартинюк", "Мартинюк", "Martyniuk", "Martyniuk"},
	{"Костенко", "Костенко", "Kostenko", "Kostenko"},
	{"Гаврилюк", "Гаврилюк", "Havryliuk", "Havryliuk"},
	{"Клименко", "Клименко", "Klymenko", "Klymenko"},
	{"Власенко", "Власенко", "Vlasenko", "Vlasenko"},
	{"Зінченко", "Зінченко", "Zinchenko", "Zinchenko"},
	{"Федоренко", "Федоренко", "Fedorenko", "Fedorenko"},
	{"Панченко", "Панченко", "Panchenko", "Panchenko"},
	{"Яковенко", "Яковенко", "Yakovenko", "Yakovenko"},
	{"Грищенко", "Грищенко", "Hryshchenko", "Hryshchenko"},
	{"Яремчук", "Яремчук", "Yaremchuk", "Yaremchuk"},
	{"Петров", "Петрова", "Petrov", "Petrova"},
	{"Іванов", "Іванова", "Ivanov", "Ivanova"},
	{"Соколов", "Соколова", "Sokolov", "Sokolova"},
	{"Смирнов", "Смирнова", "Smirnov", "Smirnova"},
	{"Кузнецов", "Кузнецова", "Kuznetsov", "Kuznetsova"},
	{"Новиков", "Новикова", "Novikov", "Novikova"},
	{"Попов", "Попова", "Popov", "Popova"},
	{"Волков", "Волкова", "Volkov", "Volkova"},
	{"Ковальський", "Ковальська", "Kovalskyi", "Kovalska"},
	{"Вишневський", "Вишневська", "Vyshnevskyi", "Vyshnevska"},
	{"Лозинський", "Лозинська", "Lozynskyi", "Lozynska"},
}

// cities are weighted by repetition: Kyiv dominates a Kyiv-based school.
var cities = []city{
	{"Київ", "Киев", "Kyiv"}, {"Київ", "Киев", "Kyiv"}, {"Київ", "Киев", "Kyiv"}, {"Київ", "Киев", "Kyiv"},
	{"Ірпінь", "Ирпень", "Irpin"}, {"Бровари", "Бровары", "Brovary"}, {"Львів", "Львов", "Lviv"},
	{"Харків", "Харьков", "Kharkiv"}, {"Одеса", "Одесса", "Odesa"}, {"Дніпро", "Днепр", "Dnipro"},
	{"Вінниця", "Винница", "Vinnytsia"}, {"Полтава", "Полтава", "Poltava"}, {"Чернігів", "Чернигов", "Chernihiv"},
}

// operatorCodes are Ukrainian mobile operator codes (the two digits after +380).
var operatorCodes = []string{"50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"}

var absenceReasons = []string{"Болел", "Не предупредил", "Уважительная причина", "Работа", ""}

var teacherNames = []string{
	"Оксана Гриценко", "Jennifer Walsh", "Марта Левицька", "Ігор Дяченко",
	"Agnieszka Nowak", "Світлана Руденко", "Daniel Brooks", "Ніна Петренко",
}
