"""Word forms beyond the samples: Russian morphology, insults, slurs, English, and the hard
negatives that look like them.  Each case is a whole message, as a member would write it."""

from __future__ import annotations

import time

import pytest

from filters.obscenity import ObscenityFilter

FILTER = ObscenityFilter()

RU_MAT = [
    "охуенно отдохнули на даче",
    "#пиздец2026 какой-то",
    "huy2024",
    "ну и п-здец",
    "х.йня, а не ремонт",
    "х-уйня какая-то",
    "ну это полный охуеть",
    "какой-то распиздяй оставил дверь открытой",
    "ты меня заебал своими опросами",
    "он опять выёбывается перед новенькими",
    "не выебывайся",
    "совсем ебанутый водитель",
    "иди нахуй со своей рекламой",
    "уёбок поцарапал машину",
    "этот долбоёб снова сверлит",
    "какой же ты мудила",
    "хватит залупаться на старших",
    "мандавошки в подъезде завелись",
    "хули ты мне сделаешь",
    "нихуя себе цены",
    "что за херня опять",
    "нахера ты это сделал",
    "он всё похерил",
    "пошёл на хер",
    "ни хера не работает",
    "херово мне сегодня",
    "пиздабол ты, а не сосед",
    "спиздили велосипед из подъезда",
    "пиздёж и провокация",
    "хуёво всё",
    "пиздато смотрится",
    "ебало завали",
    "отъебись от меня",
    "съебался в закат",
    "наебнулся с велика",
    "заебись, что всё починили",
    "блядский цирк продолжается",
    "выблядок",
    "хуесос",
    "охуевшие водители",
    "похуист",
    "мудачьё на парковке",
    "пздц какой-то",
    "блять, опять",
    "ебучий принтер",
    "а ты ахуел",
    "распиздяйство",
    "хуйло",
    "охереть можно",
    "доебался до столба",
    "проебал все полимеры",
    "поебать вообще",
    "хитровыебанный план",
    "ебануться можно",
    "захуярил в стену",
]

RU_INSULT = [
    "сучка крашеная",
    "ты сука",
    "Ти підор",
    "сукин сын",
    "сучара конченая",
    "пидорас",
    "пидоры везде",
    "пидрила",
    "гондоны",
    "шлюхам не место в чате",
    "шалавы",
    "мразь",
    "ублюдок",
    "ублюдки",
]

SLURS = [
    "чурки понаехали",
    "хачей полно на рынке",
    "жиды всем управляют",
    "хохлы опять",
    "педики",
    "ниггер",
    "you are a faggot",
    "fags everywhere",
    "stupid retard",
    "retards",
    "nigga please",
    "niggers",
    "dirty kike",
    "tranny",
]

EN_PROFANITY = [
    "fucking hell",
    "fuck2020 and everything in it",
    "fucc this game",
    "f-ck this",
    "what a c-nt",
    "shi-t happens",
    "fuxk this traffic",
    "shyt happens",
    "what the fuck",
    "fuckers",
    "clusterfuck of a release",
    "this is shit",
    "holy shit",
    "horseshit",
    "shitty service",
    "dipshit",
    "you cunt",
    "cunts",
    "stupid bitch",
    "bitches",
    "bitchy",
    "asshole",
    "arsehole",
    "motherfucker",
    "motherfucking",
    "dickhead",
    "twat",
    "wanker",
    "wankers",
    "slut",
    "sluts",
    "cocksucker",
    "bullshit",
    "son of a bitch",
    "whore",
    "bastard",
    "what a prick",
]

HARD_NEGATIVES = [
    # Russian
    "купил два рубля",
    "с корабля на бал",
    "употреблять в пищу",
    "не оскорблять участников",
    "застрахуйте имущество",
    "подстрахуй меня",
    "страхую машину каждый год",
    "психолог помог",
    "наша команда победила",
    "командир роты",
    "командировка в Казань",
    "мандарины к столу",
    "мандат депутата",
    "мандраж перед экзаменом",
    "гондола в Венеции",
    "Гондурас",
    "шлюз открыт",
    "шлюпка на воде",
    "мудрый совет",
    "премудрость",
    "барсук в лесу",
    "скипидар",
    "купи хлеба",
    "требую возврата",
    "похудеть к лету",
    "мне хуже",
    "хулиганы во дворе",
    "художник нарисовал",
    "хутор",
    "херес к ужину",
    "херувим на картине",
    "Херсон",
    "хрен его знает",
    "хреново себя чувствую",
    "охренеть",
    "небо голубое",
    "тебе и себе",
    "ребята, привет",
    "учеба",
    "погреб",
    "гребля",
    "дирижабля",
    "ансамбля",
    "сабля",
    "влюбляться",
    "бляшки",
    "сукно",
    "сучок на доске",
    "хачапури на обед",
    "жидкость для стёкол",
    "хохлома",
    "педикюр",
    "Чуркин выступил",
    "всухую проиграли",
    "сухую траву",
    "праздника",
    "Нигерия",
    "вебинар завтра",
    "Ебург — город",
    "не будь таким",
    "блин, забыл",
    "дурак ты",
    "фигня какая-то",
    "капец",
    "жопа",
    "говно погода",
    # English
    "Scunthorpe United",
    "Scunthorpe FC won 2-1",
    "Евакуація о 10 ранку",
    "Купила дешеві кросівки",
    "Безвіз продовжили ще на рік?",
    "Рожеве худі вже в наявності",
    "Хуліо Іглесіас приїде",
    "Підручник з фізики забув у школі",
    "Шукаємо підрядника на ремонт даху",
    "Доктор Ху ещё выходит",
    "Ху Яобан умер в 1989 году",
    "nginx is proxying requests",
    "Harshit scored a century",
    "e-mail me the x-ray",
    "г-н Иванов и д-р Петров",
    "k-pop fans in t-shirts",
    "Т-банк и А-класс",
    "tickets are out #Scunthorpe2026",
    "Got my laptop on ebuyer.com",
    "pay through eBalance in the app",
    "eBuddy is back",
    "list is on whorepresents.com",
    "my assistant",
    "cockpit",
    "cocktail",
    "Sussex",
    "Essex",
    "Dickens",
    "grapes",
    "analysis",
    "shiitake",
    "Phuket",
    "magna cum laude",
    "Hitchcock",
    "Penistone",
    "Cockburn Street",
    "Hui Lin",
    "Dick Van Dyke",
    "peacock",
    "cockroach",
    "shuttlecock",
    "Arsenal",
    "raccoon",
    "sniggering",
    "cumulative",
    "Fukuoka",
    "document",
    "title",
    "massive",
    "class",
    "bass",
    "assessment",
    "spicy food",
    "Pakistan",
    "Niger",
    "fire retardant",
    "Yamashita",
    "matsushita",
    "Shiite",
    "other",
    "here",
    "where",
    "her",
    "ebook",
    "Ebola",
    "ebony",
    "hue",
    "Donahue",
    "Mandy",
    "hernia",
    "bleating",
    "woop",
    "niggle",
    "damn",
    "hell",
    "crap",
    "bloody",
    "sucks",
    "jerk",
    "idiot",
    "goddamn",
    "bollocks",  # vulgar but not listed: four blind writers read it as mild
    "dumbass",
    "wtf",
    "lmao",
    "stfu",
    "screw it",
    "freaking",
    "skunk",
    "swanky",
    "book club",
    "sushi",
    "suchlike",
    "such a nice day",
    "eBay",
    "3b pencil",
    "hello",
    "retarding the process",
    "Yoshitaka Amano",
    "Lifshitz",
    "Wankel engine",
    "Wankhede stadium",
    "Clitheroe",
    "Fagin",
    "Nelson Mandela",
    "Сукачёв поёт",
    "спидометр сломался",
    "новый Huawei",
    "Hermes",
    "Hyundai",
    "закажем pizza",
    "Sukhoi Superjet",
    "бляха-муха",
    "пипец",
    "ёпрст",
    "небоскрёб",
    "колеблется",
    "Нигерийский",
    "Жидков",
    "Хохлов",
]


@pytest.mark.parametrize("text", RU_MAT)
def test_russian_mat(text: str) -> None:
    verdict = FILTER.check(text)
    assert verdict.obscene, text
    assert verdict.matches[0].lexicon == "ru.mat"


@pytest.mark.parametrize("text", RU_INSULT)
def test_russian_insults(text: str) -> None:
    verdict = FILTER.check(text)
    assert verdict.obscene, text
    assert verdict.matches[0].lexicon == "ru.insult"


@pytest.mark.parametrize("text", SLURS)
def test_slurs(text: str) -> None:
    verdict = FILTER.check(text)
    assert verdict.obscene, text
    assert verdict.matches[0].lexicon == "slur"


@pytest.mark.parametrize("text", EN_PROFANITY)
def test_english_profanity(text: str) -> None:
    verdict = FILTER.check(text)
    assert verdict.obscene, text
    assert verdict.matches[0].lexicon == "en.profanity"


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives(text: str) -> None:
    verdict = FILTER.check(text)
    assert not verdict.obscene, verdict.explain()


# --- disguises of round 88, each with the innocent text the same rule must leave alone ---------

#: ?, &, ^ typed for a hidden letter (tokens.hides_letters), and two words joined by them
MASK_MARKS_CAUGHT = [
    ("ох&енно сыграли вчера", "хуй"),
    ("motherf^cker camped the spawn", "fuck"),
    ("му`дак на миде опять", "муд"),
    ("ху`йня какая-то", "хуй"),
    ("х&йня какая-то", "хуй"),
    ("п^здец полный", "пизд"),
    ("f?ck this", "fuck"),
    ("бл#дь", "бля"),
    ("f#ck", "fuck"),
    ("sh?t happens", "shit"),
    ("пизд?ц", "пизд"),
    ("бл&дь, опять", "бля"),
    ("f^ck off", "fuck"),
    ("ху&ня", "хуй"),
    ("ну?бля", "бля"),
    ("что?сука", "сука"),
    ("п`здец", "пизд"),
    ("х~йня", "хуй"),
    ("sh|t happens", "shit"),
]
MASK_MARKS_CLEAN = [
    "Only cock the hammer when you're ready to shoot",
    "Pheasant: cocks only, hens are off limits",
    "I failed the exam T^T",
    "T_T опять не сдал",
    "Т~Т",
    "T__T",
    "rock&roll forever",
    "black&white photo",
    "Johnson&Johnson shares",
    "drag&drop works now",
    "Procter&Gamble",
    "don`t push to main",
    "п`ять хвилин",
    "комп`ютер не вмикається",
    "AT&T raised prices again",
    "R&D budget is fixed",
    "Q&A session at 5",
    "what?",
    "what?! no way",
    "costs $100",
    "#hashtag",
    "C# developer wanted",
    "x^2 + y^2 = r^2",
    "^_^",
    "спасибо^^",
    "H&M sale today",
    "rock&roll forever",
    "T&C apply",
    "как дела?норм",
    "Не руби сук?на котором сидишь",
    "Спи?дорогой?я закажу нам суши",
    "stop taking the piss?Gaz",
    "Переезжаю в Ёбург?подскажите коворкинг",
    "https://youtube.com/watch?v=dQw4w9WgXcQ",
    "https://site.ru/page?id=5&ref=abc",
    "Tom&amp;Jerry",
    "don`t do it",
    "it`s fine",
    "hello~world",
    "col1|col2",
    "yes|no",
]

#: у spelt "oo" in transliteration (Lexicon._match_transliterated)
OO_TRANSLIT_CAUGHT = [
    ("sooka, verni dengi", "сука"),
    ("nahooy eto nado", "хуй"),
    ("ty moodak ili kak", "муд"),
    ("pohooy mne", "хуй"),
    ("zaloopa", "залуп"),
]
OO_TRANSLIT_CLEAN = [
    "I read a good book",
    "she is moody today",
    "see you soon",
    "Sookie Stackhouse",
    "Hooyah! Navy SEALs",
    "log in to Moodle",
    "he answered moodily",
    "hooligan behaviour",
    "what a load of hooey",
    "sook, stop crying",
]

#: мат glued to a common word (glued.py)
GLUED_CAUGHT = [
    ("этотхуй опять сломал билд", "хуй"),
    ("этамразь", "мразь"),
    ("нукакогохуя опять мерж конфликт", "хуй"),
    ("вотжеблядь", "бля"),
    ("вообщехуёво всё сегодня", "хуй"),
    ("ты чтоебанутый?", "еб"),
    ("нублять опять сломалось", "бля"),
    ("сукаблять, кто так паркуется", "сука"),
    ("ебтвою мать, опять дождь", "еб"),
    ("ебтвоюмать, опять свет отключили", "еб"),
    ("нусука держись", "сука"),
    ("вотпидор", "пидор"),
]
GLUED_CLEAN = [
    "багов у всехуйма, не парься",
    "всехорошо, спасибо",
    "этажерка в углу",
    "чтожеэто такое",
    "тамжехутор рядом",
    "ещеужехуже стало",
    "застрахуйте машину",
    "два рубля",
    "скипидар",
    "потребляют много",
    "хулиган",
    "не надо оскорблять",
    "подстрахуй меня",
    "колебаться не стоит",
    "наша команда",
    "употреблять",
    "выхухоль",
    "педикебы на набережной",
    "нуждаться в помощи",
    "вотчина",
    "чтобы успеть",
    "этого мало",
    "тыквенный суп",
]

#: a listed form split once into two halves that are no words (splits.py) and asshole after
#: an article or "you"
SPLIT_CAUGHT = [
    ("пиз дец полный", "пизд"),
    ("пиз\nдец", "пизд"),
    ("охуе нный", "хуй"),
    ("fuc ker", "fuck"),
    ("what an ass hole", "asshole"),
    ("you ass holes", "asshole"),
]
SPLIT_CLEAN = [
    "a big ass hole in the road",
    "kick ass hole in one",
    "Пиз Дец",
    "ху из ху",
    "число пи здесь",
    "поедем на Дон, гон будет",
]

#: spellings and forms (ru_roots.txt, en_roots.txt) and Cyrillic letters in English words
FORMS_CAUGHT = [
    ("Подзаебал уже этот сосед со своей дрелью", "еб"),
    ("Всё это подзаебало, хочу в отпуск", "еб"),
    ("пизьдец полный с этими пробками", "пизд"),
    ("бляаа, опять опоздал", "бля"),
    ("суко, опять не работает", "сука"),
    ("Какой-то пидер опять поцарапал машину", "пидор"),
    ("пидеры в комментах опять", "пидор"),
    ("the driver was a total dikhead", "dickhead"),
    ("stop being a dickhed", "dickhead"),
    ("beetch please", "bitch"),
    ("what's up my niqqa", "nigger"),
    ("shut up faqqot", "faggot"),
    ("фuck this", "fuck"),
    ("what a шit show", "shit"),
    ("нигга, ты где пропал", "нигер"),
    ("эти нигги опять шумят под окнами", "нигер"),
    ("понаехала жидовня", "жид"),
    ("жидёнок какой-то влез без очереди", "жид"),
    ("you bytch", "bitch"),
    ("you absolute vvanker", "wanker"),
    ("ну ты и факер", "fuck"),
    ("какой-то шитсторм в комментах", "shit"),
    ("полный бульшит", "bullshit"),
    ("опять шитпостинг в чате", "shit"),
    ("факю всем, я спать", "fuck"),
    ("хуѐво всё", "хуй"),
    ("пѝздец полный", "пизд"),
    ("хㅤуйня", "хуй"),
    ("пиз⠀дец", "пизд"),
    ("fﾠuck this", "fuck"),
    ("ибать ты умный, конечно", "еб"),
    ("заибаться можно с этими справками", "еб"),
    ("блиать, кто трогал мой кофе", "бля"),
    ("бляць, опоздала на электричку", "бля"),
]
FORMS_CLEAN = [
    "подзаголовок статьи",
    "подзабыл пароль",
    "эпидерма кожи",
    "Спидермен вернулся",
    "сукно для бильярда",
    "Отдыхали в Сукко, море чистое",
    "a beech tree",
    "she wears a niqab",
    "Dickens wrote it",
    "shiitake soup",
    "фото first",
    "жиденький суп",
    "Нигерия",
    "факел и факир",
    "шитьё на заказ",
    "savvy bytes",
    "привет⠀мир",
    "неㅤбудь",
    "Ибатуллин сдал отчёт",
    "Рамиль Ибатов из третьего подъезда",
]


@pytest.mark.parametrize(("text", "word"), MASK_MARKS_CAUGHT + OO_TRANSLIT_CAUGHT + GLUED_CAUGHT
                         + SPLIT_CAUGHT + FORMS_CAUGHT)
def test_round88_disguises_caught(text: str, word: str) -> None:
    verdict = FILTER.check(text)
    assert verdict.obscene, text
    assert word in {match.word for match in verdict.matches}, verdict.explain()


@pytest.mark.parametrize("text", MASK_MARKS_CLEAN + OO_TRANSLIT_CLEAN + GLUED_CLEAN + SPLIT_CLEAN
                         + FORMS_CLEAN)
def test_round88_look_alikes_clean(text: str) -> None:
    verdict = FILTER.check(text)
    assert not verdict.obscene, verdict.explain()


# Letters of one word spelt out in uneven groups, with blanks, commas or stars between them
# (splits.spread_candidates): joined only into a listed form, one separator throughout, never a
# word cut out of letters spaced one by one, and only with a piece that is no word of its own.
SPREAD_CAUGHT = [
    ("ну это пи зд ец", "пизд"),
    ("fu c k mondays", "fuck"),
    ("f u ck this", "fuck"),
    ("х у йня какая-то", "хуй"),
    ("п и здец, ребята", "пизд"),
    ("п    и    з    д    е    ц", "пизд"),
    ("F    U    C    K    this", "fuck"),
    ("f,u,c,k this", "fuck"),
    ("х, у, й, н, я какая-то", "хуй"),
    ("f*u*c*k this", "fuck"),
    ("ты с у ка", "сука"),
]
SPREAD_CLEAN = [
    "Ху из ху в нашей гильдии?",
    "по ху дожнику видно",
    "на х у лице",
    "т.е. это и т.д.",
    "U.S.A. and U.K.",
    "f, u, and c are variables",
    "a, b, c, d are the options",
    "С А Б Л Я — слово из пяти букв",
    "Напиши по буквам: к-о-м-а-н-д-а",
    "Ну на ху. Я пошёл",
    "это пи здесь",
    "2*3*4 = 24",
]

# Symbols drawn like a letter between letters (tokens.LOOK_ALIKE_SYMBOLS, confusables.txt), ß for
# б/b, € opening a Russian word, a Greek letter with a tonos (fύck, normalize._latin_bases) and a
# star of the symbols-and-arrows block inside a word (f⭐ck, tokens.EMOJI_CLASS): a price, a year,
# a trade mark, a German or a Greek word, a hotel's stars stay clean.
SHAPES_CAUGHT = [
    ("fu©k this", "fuck"),
    ("х¥йня какая-то", "хуй"),
    ("ßitch please", "bitch"),
    ("ßля, опять", "бля"),
    ("€бать ты", "еб"),
    ("©ука, опять возврат", "сука"),
    ("бл©ть, опять", "бля"),
    ("х©й тебе", "хуй"),
    ("ну и хер©ня", "хер"),
    ("sh©t happens", "shit"),
    ("$h¡t happens", "shit"),
    ("you who®e", "whore"),
    ("fύck this", "fuck"),
    ("f⭐ck this", "fuck"),
    ("ну и х⭐йня", "хуй"),
]
SHAPES_CLEAN = [
    "¥500 за штуку",
    "€20 per ticket",
    "£5 each",
    "©2026 Acme Inc.",
    "Acme® is a trade mark",
    "MegaCorp®Cloud",
    "JP¥500",
    "Die Straße ist lang",
    "Scheiße, sagte er",
    "Viele Grüße, bißchen Spaß, Fußball",
    "¡Hola! como estas",
    "€uro area",
    "©Reuters",
    "©Сбербанк 2026, ©Яндекс, ©Сукачёв",
    "купил ж-д билет до Москвы, ж-д вокзал",
    "Х'ю Джекман та Х'ю Грант, п'ять, м'ясо",
    "Καλημέρα, τι κάνεις; Ευχαριστώ πολύ",
    "отель 5⭐ рядом, great⭐service",
]

# One apostrophe or hyphen inside a word (engine._mark_as_hidden_letter): the apostrophe read as
# nothing or a hidden letter, the hyphen as a hidden letter beside a piece that is no word.
MARK_INSIDE_CAUGHT = [
    ("бл-дь, опять", "бля"),
    ("пи'здец, я в шоке", "пизд"),
    ("бл'ядь опять", "бля"),
    ("ху'йня", "хуй"),
    ("f'ck this", "fuck"),
    ("sh'it happens", "shit"),
    ("пи’здец", "пизд"),
]
MARK_INSIDE_CLEAN = [
    "кое-что из-за тебя",
    "по-русски",
    "д'Артаньян",
    "O'Brien",
    "don't",
    "Dick's Sporting Goods",
    "we'll see",
    "Хуа-Хин — курорт",
    "e-mail and x-ray",
    "г-н Иванов, кол-во, п-ов Крым, пр-т Мира",
    "T-shirt, Wi-Fi, hi-fi, sci-fi, K-pop, co-op",
    "п'ять, м'ясо, пам'ять",
    "rock'n'roll",
    "c'mon y'all, it's o'clock",
]

# A lower-case code whose digits spell a listed form (sh17): a code in capitals stays a code.
CODE_CAUGHT = [
    ("what a sh17 show", "shit"),
    ("tw47", "twat"),
]
CODE_CLEAN = [
    "SH17 road closed",
    "take the SH17 exit",
    "A320 and B52",
    "meet at 17:30",
    "sh1 code",
    "t175 and a55",
    "ps45 rx78 vw17 cu17 fa66 ho35",
]

# An English insult glued to the word in front of it (glued.EN_HEADS), and a Russian hard insult
# split into two real words after a word an insult follows (splits._cued_halves).
GLUED_INSULT_CAUGHT = [
    ("Этот пи дор ставит тачку на газон", "пидор"),
    ("Какая-то шлю ха спамит в чат", "шлюха"),
    ("bi tch please, that's not a defect", "bitch"),
    ("youtwat", "twat"),
    ("#absolutewanker", "wanker"),
    ("uasshole", "asshole"),
    ("totalprick", "prick"),
    ("этот гон дон опять не отвечает", "гондон"),
    ("ты ублю док", "ублюдок"),
]
GLUED_INSULT_CLEAN = [
    "число пи дорого обходится",
    "я шлю ха-ха в ответ",
    "какая-то шлю хаотично",
    "ну пи дор",
    "bi tchotchke shop",
    "Scunthorpe, Sussex, therapist, assassin",
    "cocktail, Dickens, shitake, grape, analysis",
    "youth utter",
    "гон Дон",
    "рыбный гон дон",
    "это гон, Дон",
    "Тихий Дон — гон дон",
    "какой-то гон дон",
]

# The number π glued to здесь (glued.number_pi_glued): two words, not the пизд root.
PI_GLUED_CAUGHT = [
    ("пиздравляю", "пизд"),
    ("пиздец", "пизд"),
]
PI_GLUED_CLEAN = [
    "число пиздесь",
    "ПИЗДЕСЬ",
    "пиздешний",
]


@pytest.mark.parametrize(("text", "word"), SPREAD_CAUGHT + SHAPES_CAUGHT + MARK_INSIDE_CAUGHT
                         + CODE_CAUGHT + GLUED_INSULT_CAUGHT + PI_GLUED_CAUGHT)
def test_round88b_disguises_caught(text: str, word: str) -> None:
    verdict = FILTER.check(text)
    assert verdict.obscene, text
    assert word in {match.word for match in verdict.matches}, verdict.explain()


@pytest.mark.parametrize("text", SPREAD_CLEAN + SHAPES_CLEAN + MARK_INSIDE_CLEAN + CODE_CLEAN
                         + GLUED_INSULT_CLEAN + PI_GLUED_CLEAN)
def test_round88b_look_alikes_clean(text: str) -> None:
    verdict = FILTER.check(text)
    assert not verdict.obscene, verdict.explain()


# Hostile input on this round's paths: a symbol drawn as a letter between 10,000 letters, uneven
# groups, commas, apostrophes and hyphens; a 10,000-letter word searched inside must not try every
# length of a \w+ head at every letter (data._search_core: «хуa» ×3000 once took 2.7 s).
ROUND88B_HOSTILE = {
    "yen_between_letters": "х¥" * 5000,
    "euro_between_letters": "х€" * 5000,
    "latin_inside_cyrillic": "хуa" * 3000,
    "dotted_pairs": "х.у" * 3000,
    "uneven_groups": "пи зд " * 3000,
    "spaced_pairs": "f u " * 5000,
    "commas": "f,u," * 5000,
    "comma_blank": "х, у, " * 3000,
    "apostrophes": "пи'зд" * 2000,
    "hyphens": "бл-" * 5000 + "дь",
    "codes": "sh17 " * 3000,
    "glued_heads": "you" * 3000 + "twat",
}


@pytest.mark.parametrize("name", sorted(ROUND88B_HOSTILE))
def test_round88b_hostile_input_is_fast(name: str) -> None:
    start = time.thread_time()
    FILTER.check(ROUND88B_HOSTILE[name])
    assert time.thread_time() - start < 0.25, name


def test_split_words_are_still_read_once_the_caches_of_clean_pieces_are_full(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-running bot fills the shared caches of clean pieces (`_MAX_KNOWN` each). A piece
    that may be half a word (пиз-дец, бл'ядь, bi tch) must still be read whole then: once the
    cache of clean pieces was full, such pieces were neither cached nor marked as halves, and
    every split word after that was let through."""
    from filters.obscenity import engine

    monkeypatch.setattr(engine, "_MAX_KNOWN", 40)
    check = ObscenityFilter(extra_words=("cachefilltest",)).check  # caches of its own
    for first in "бвгдж":  # clean pieces and halves (two letters, no word), past both caps
        for second in "клмнпрстф":
            tail = first + second
            assert not check(f"слово{tail} и дом{tail} ы{tail}").obscene
    for text in ("пиз-дец полный", "бл'ядь, опять", "bi tch please", "ну это пи зд ец"):
        assert check(text).obscene, text
