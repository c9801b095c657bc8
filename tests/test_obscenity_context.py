"""Words with an innocent sense are read from their context (filters/obscenity/phrases.py).

Each innocent sentence has an obscene twin with the same word, so a phrase rule that lets
everything through fails here.
"""

from __future__ import annotations

import pytest

from filters.obscenity import ObscenityFilter

PAIRS = [
    ("Наша сука ощенилась, щенки ищут дом", "сука, верни деньги"),
    ("породистая сучка таксы в течке", "вот сучка, опять наврала"),
    ("Наколол чурок для бани, приходите", "понаехали чурки"),
    ("Буква «хер» в старой азбуке", "да пошёл ты на хер"),
    ("Обрезали сухие сучья у яблони", "сучья работа, а не сервис"),
    ("Our bitch had six puppies", "what a bitch she is"),
    ("Faggots and peas for tea", "shut up faggot"),
    ("Nipping out for a fag, back in five", "you play like a fag"),
    ("total cock-up with the tickets", "suck my cock"),
    ("the cock crowed at dawn", "what a cock"),
    ("pussy willow in a vase", "don't be a pussy"),
    ("blue tits at the feeder", "nice tits"),
    ("a chink in his armour", "some chink cut the queue"),
    ("the sea dyke was breached", "that dyke again"),
    ("retarded potentials are on the exam", "are you retarded"),
    ("swap it for a FAG 6204 bearing", "ban that fag"),
    ("he hired a private dick", "don't be a dick"),
    ("retard the ignition timing a little", "you absolute retard"),
    ("prick the sausages before grilling", "you prick"),
    ("spic and span kitchen", "some spic"),
    ("Вязка: сука шпица, привита", "сука, где мои деньги"),
    ("ребёнок с синдромом Дауна", "какой-то даун"),
    ("сервер опять даун, деплой откатили", "ты даун?"),
    ("Иван Чурков пришёл", "опять чуркобригаду наняли"),
    ("У суки ложная беременность", "сука, верни зарядку"),
    ("Сука у нас первый раз в охоте, когда вязать?", "сука, первый раз в жизни проспал"),
    ("в Индонезии говорят saya suka, это «мне нравится»", "suka, opyat' opozdal"),
    ("huevos rancheros на завтрак", "huevos на завтрак опять"),
    ("Осторожно, на тропе из земли торчат сучки", "эти сучки опять сплетничают"),
    ("Grabbed a FCUK jacket in the sale", "fcuk you and your sale"),
    ("The Austrian village Fucking is now Fugging", "the fucking village idiot"),
    ("the Dutch built a dyke to hold back the sea", "that dyke from the bar"),
    ("Сучья для костра собирайте сухие", "сучья порода, все они такие"),
    ("В старой азбуке буква Х звалась «хер»", "в азбуке все слова, а ты хер"),
    ("Наша такса-сучка принесла пятерых щенков", "эта сучка опять наврала про деньги"),
    ("Dildo, Newfoundland has the best whale watching", "bought a dildo online"),
    ("my pen pal lives in twatt, tiny village in orkney", "my pen pal is a total twatt"),
    ("nguyen quang huy just won the regional finals", "idi na huy nguyen"),
    ("got my jersey at dick's, half price", "what a dick's move"),
    ("Осторожно, на дороге сучья после урагана", "сучья порода, все они такие"),
    ("Продаю дрова, берёза, чурками, с доставкой", "эти чурки понаехали"),
    ("Доска вся в сучках, на опалубку не пойдёт", "он весь в сучках своих"),
    ("Got a selfie at the old Fucking sign in Austria", "fucking Austria lost again"),
    ("moby dick is 600 pages why", "don't be a dick"),
    ("bitche is a real town in france lol", "you bitche"),
    ("HUYA shares jumped after the earnings call", "HUYA tebe a ne premiyu"),
    ("huy in belgium has a cool citadel", "idi na huy"),
    ("our Indonesian mods say 'suka' just means 'like'", "suka, opyat' ty"),
    ("Hiked up the Wank near Garmisch, amazing views", "stop being a wank"),
    ("Désolé pour le retard, my train was late", "the retard again"),
    ("Казахская пословица: «Ебін тапса, қар да жанады»", "ебіть его"),
    ("Наш сосед — Хачик из Гюмри", "опять эти хачики на рынке"),
    ("Pub's Thursday special is faggots, mash and peas", "shut up faggot, mash the button"),
    ("Препод: «Ni hui shuo zhongwen ma?» А я молчу", "idi na hui"),
    ("Крючок так и остался на конце сука", "крючок опять оборвался, сука"),
    ("We cycled through Fugging, the Austrian village once called Fucking", "fucking cyclists"),
    ("@huy_nguyen carried the raid", "@huy_tebe carried the raid"),
    ("@huy_nguyen carried the raid", "@nahuy_lin carried the raid"),
    ("hashIt.js is deprecated, use hashUtils", "getShitDone.js is deprecated"),
    ("ebuild failed on Gentoo again", "ebal ya etot Gentoo"),
    ("ebanking app is down again", "ebanutyi app is down again"),
    ("плитка 30×60 и брус 50×150", "На×уй мне такой откос"),
    ("ёпрст, опять сервер лёг", "ёп твою мать, опять сервер лёг"),
    ("застрахуйтесьнаслучайпожара", "пошлиихвсехнахуй, сами доделаем"),
    ("наибольший выбор гитар Ибанез", "Сусід знову заїбав з перфоратором"),
    ("Ездили на Ебейты, вода очень солёная", "Ездили на озеро, ебать какая солёная"),
    ("a talk on the Hu Jintao years", "the hu jintao years, huy tebe"),
    ("Для удалённой идентификации нужна запись в ЕБС", "Для идентификации ебу я эту запись"),
    ("кароч купиздесь дешевле ссылка ниже", "кароч пиздец дешевле ссылка ниже"),
    ("застрахуйнемедленно машину", "чтозахуйня с дневником опять"),
    ("ну и бляха-муха с этими оценками", "нуиблядство конечно с этими оценками"),
    ("Cunter is a tiny village in Graubünden", "you absolute kunt"),
    ("Learning Dutch: 'Kunt u dat herhalen?'", "Learning Dutch from a kunt"),
    ("Победитель розыгрыша — Людмила Х*******, поздравляем!", "Победитель розыгрыша — х*******!"),
    ("Kike García scored again for Alavés", "get out of here, you dirty kike"),
    ("Email dick.morris.shop@gmail.com for wholesale prices", "Email fuck.you@gmail.com, dick"),
]


@pytest.fixture(scope="module")
def check() -> object:
    return ObscenityFilter().check


@pytest.mark.parametrize(("innocent", "obscene"), PAIRS)
def test_innocent_sense_is_clean_and_its_twin_is_not(check, innocent: str, obscene: str) -> None:
    assert not check(innocent).obscene, innocent
    assert check(obscene).obscene, obscene


def test_an_obscene_word_beside_an_innocent_phrase_is_still_found(check) -> None:
    verdict = check("smoke a fag and fuck off")
    assert verdict.obscene and [m.word for m in verdict.matches] == ["fuck"]
    assert verdict.matches[0].fragment == "fuck"
