"""A bilingual glossary of municipal and smart-city words, for matching across languages.

The embedding model is English-only, and half the programme writes in Turkish, Russian, French,
Albanian, Bosnian/Croatian/Serbian, Macedonian or Romanian. :func:`gloss` turns a non-English text
into a bag of English words by looking its words up here; the engine embeds that gloss next to the
original passage and adds its words to BM25, so ``adresni registar`` meets ``address register`` and
``уличное освещение`` meets ``street lighting``.

Two parts, looked up in this order:

* the topic glossary below, for every language: the topics of the controlled vocabulary (domains
  and obstacles) and the words cities and providers use for them;
* the general words of the text's language (``vocabulary/glossary.json``): about 800 common words of
  municipal, public-service and infrastructure writing (``staff``, ``budget``, ``residents``,
  ``contract``), one table per language, so that a stem of one language never glosses another's word.

Entries are ``english: stem stem ...``; an indented line continues the entry above. Stems are
written in their own script and folded like the text (:func:`matchmaker.vocabulary.fold`). A stem
matches a word that starts with it, or only the whole word when it ends in ``=``; unmarked stems
shorter than four letters are ignored. A stem of several words is a phrase, its words joined by ``+``
where the text has a space (``appel+d'offres``, ``en+ligne``; an apostrophe or a hyphen parts words
as in the text: ``e-devlet``): it glosses those words in a row, and only together, so "appel" (a
call) alone is not a tender. A phrase's words match like stems, those of fewer than four letters
whole. It is not a dictionary: words it does not know are left out of the gloss.

One gloss serves both the engine (stored with a document's passage facts, so a change here makes
every stored analysis be computed again: :func:`matchmaker.matching.analysis.fingerprint` hashes
this file) and the explanations that staff read.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

from matchmaker.vocabulary import fold

_ENTRIES = """
street: rrug ulic ulits улиц улич sokak sokag cadde rue= rues= voie voies voirie strada strazi străzi улица
    улици
address: adres adrese adresa adresn адрес adress adresi adresl numerotation numérotation adressage
house number: numrat numra numër numer= numerim numérot kućn kucn kućni broj= brojev nomer номер numara
    numar
name: emër emri naziv imenovanj dénomination denomination наименован назван isim= isimlendir adlandir
building: ndërtes ndertes zgrad objekt здани строени bina= binal binas binalar bâtiment batiment immeuble
    clădir cladir постројк
illegal construction: bespravn nelegal самостро самовол illégal illegal= legaliz легализ
cadastre: kadast катаст cadast tapu= tapul
map: hart mapa= mape= карт harita plans= cartograph kartograf
land: toka= tokës zemljišt zemlj земл земел arazi arsa terrain foncier teren
register: regjist registar registr регистр реестр реєстр kayıt kayit sicil= registre
digital: digjital digital digitaln цифров дигитал dijital numérique numerique
geographic information system: gis= гис сиг= cbs= geoinform геоинформ
aerial survey: drone dron дрон aerofoto аэрофот ortofoto photogrammétr photogrammetr relevé releve topograf
    топограф
street lighting: ndriçim ndricim rasvjet osvjetljenj osvetljenj osvetluvanj освещени освещен освітлен
    осветлување aydınlatma aydinlatma éclairage eclairage iluminat
lamp: llamb lamp lamb sijalic svjetiljk светильник фонар lamba luminaire ampoule lampadar
electricity: energji elektrik struj электроэнерг электричеств електрич electricité electricite électricité
    electricit enerji= énergie energie energetsk энерг
energy efficiency: efiçienc eficienc efikasnost энергоэффектив енергетска verimlili économie+d'énergie
    eficiență eficienta
heating: ngrohj grijanj grejanj grejn отоплен отопит греење ısıtma isitma chauffage încălzir incalzir
    теплоснабж теплов tepl
district heating: toplana теплосет теплотрас
pipe: tub= tubacion cijev cjevovod cevovod труб трубопровод boru conduite conduites canalisation
boiler: kotao котельн котел chaudière chaudiere centrala
insulation: izolim izolacij утеплен изоляц yalıtım yalitim isolation izolați
solar: diell solarn солнеч соларн güneş gunes solaire photovolta фотоэлектр fotovolt
renewable: rinovueshm obnovljiv возобновля обновлив yenilenebilir renouvelable regenerabil
water: ujë= uje= ujit ujësjell ujesjell voda= vode= vodu= vodo водо воды вода водн suyu sular eau= eaux
    apă apa=
leak: rrjedhj humbj curenj gubic gubitak gubitk утечк потер sızıntı sizinti kaçak fuite fuites pierderi
    pertes
wastewater: kanalizim kanalizacij канализац assainissement
waste: mbeturin mbetj otpad smeć smec отход мусор отпад çöp cop= atık atik déchet dechet ordures deșeuri
    deseuri gunoi
garbage truck: kamion kamioni камион мусоровоз çöp kamyon camion benne
collection: grumbullim prikupljanj odvoz вывоз сбор collecte toplama colectar
route: itinerar rut= rute ruta rutu маршрут güzergah guzergah itinéraire itineraire tournée tournee traseu
container: kontejner kontenjer контейнер konteyner bac= bacs conteneur container pubel
recycling: riciklim reciklaž reciklaz рециклир переработ recyclage reciclar
traffic: trafik saobraćaj saobracaj saobraćajn сообраћај трафик движени трафф trafic trafik
congestion: bllokim gužv guzv застој затор пробк заторы tıkanıklık tikaniklik sıkışık sikisik embouteillage
    aglomera
intersection: kryqëzim kryqezim raskrsn raskrsnic перекрест раскрсниц kavşak kavsak carrefour intersection
    intersecți
traffic signal: semafor светофор sinyalizasyon signalisation сигнализац
bus: autobus autobuz автобус otobüs otobus bus= busu bus-
public transport: prijevoz prevoz prevoza транспорт превоз taşıma tasima transports
passenger: udhëtar udhetar putnik pasažir pasazir пассажир патник yolcu voyageur passager călător calator
stop: stacion stajalište stajaliste stanica остановк постојк durak arrêt arret stație statie
arrival time: mbërritj mberritj dolazak dolaska прибыти прибытия varış varis arrivée arrivee sosire
timetable: orar= orari vožnj voznj расписани распоред tarifesi horaire horaires
ticket: biletë bilete karta karte kartica билет карт bilet ticket titre+de+transport
payment: pagesë pagese plaćanj placanj naplat оплат ödeme odeme paiement plată plata
cash: gotovin наличн nakit espèces especes numerar
card: kartel kartic карточк kart= kartı karti card= carduri
parking: parkim parking parkiral паркин паркир otopark stationnement parcare
car: makin automobil автомобил машин araç arac araba voiture mașin masin
road: cest= ceste putev дорог yol= yollar drum= drumuri
pedestrian: këmbësor kembesor pješak pjesak pesak пешеход pešački yaya piéton pieton pieton
bicycle: biçikl bicikl велосипед bisiklet vélo velo bicicl
air: ajr= ajri vazduh воздух ваздух hava= aer=
pollution: ndotj zagađen zagaden загрязн загаѓ кирлил kirlil pollution poluar
smog: smog смог
sensor: sensor senzor датчик сензор capteur capteurs senzori
measurement: matj mjerenj merenj измерен мерењ ölçüm olcum ölçü mesure măsur masur
monitoring: monitorim monitoring мониторинг izleme surveillance monitoriz
flood: përmbytj permbytj poplav наводн паводк подтоплен поплав sel= seller taşkın taskin inondation crue=
    crues inundați inundati
river: rijek rijeka reke reka река реки рек nehir rivière riviere oued râu rau
early warning: paralajmërim paralajmerim upozorenj упозорувањ оповещен предупрежден uyarı uyari précoce
    precoce avertizare
alert: alarm alert upozor тревог uyarı uyari alerte
emergency: emergjenc urgjenc hitn= hitna hitne hitnih экстрен чрезвычайн итн acil urgence urgenț urgent
ambulance: ambulanc ambulant хитна скорая= скорой= скорую= ambulans ambulance
fire: zjarr požar pozar пожар yangın yangin incendie pompier incendiu
police: polic polici полиц полиција polis police poliți
dispatch: dispeçer dispecer dispečer dispecer диспетч dispatch dispatching sevk
call centre: kol-tsentr колл-центр çağrı+merkez
earthquake: tërmet termet zemljotres potres землетрясен сеизм земјотрес deprem séisme seisme sismique
    cutremur
disaster: fatkeqësi fatkeqesi katastrof katastrof бедстви катастроф nesreć nesrec afet= afetler catastroph
    dezastr
risk: rrezik rizik риск rizik risque risc
vulnerability: cenueshmëri cenueshmeri ranjivost уязвим ранливост hasar+görebilirlik zafiyet vulnérabilit
    vulnerabilit vulnerabil
school: shkoll школ okul= okulu okullar école ecole écoles ecoles școl scoal
hospital: spital bolnic больниц болница hastane hôpital hopital
health: shëndet shendet zdravl здравоохран здравј sağlık saglik santé sante
elderly: moshuar starij stariji пожил yaşlı yasli âgées agees vârstnic varstnic
alone: vetëm vetem sam= sami same= sama одиноки одинок сами yalnız yalniz seules seuls singur
care: kujdes njeg= njega нег= грижа bakım bakim soins îngrijir ingrijir
social assistance: socijaln социальн социјалн sosyal sociale sociala
family: familj porodic породиц семь семей aile= aileler famille familii
poverty: varfëri varferi siromašt siromast бедност беднос бедн малоимущ yoksul pauvret sărăci saraci
personal data: personale lični licni персональн лични kişisel kisisel personnelles
data: dhëna dhena podac podat данн податоц податок données donnees
open data: hapura otvoren открыт отворени açık acik ouvertes deschise
platform: platform платформ plateforme platformă
dashboard: paneli дашборд panosu
software: softuer softver програмн софтвер yazılım yazilim logiciel logiciels
system: sistem систем système systeme
application: aplikacion aplikacij приложени апликациј uygulama application applicati
mobile: celular mobil мобилн mobilni mobile
online: online онлайн onlajn en+ligne çevrimiçi
website: faqe= faqja sajt сайт sitesi
internet: internet интернет
broadband: širokopojas sirokopojas широкополос genişbant genisbant
wifi: wifi wi-fi вайфай
fibre: fibër fiber optik optičk opticki оптоволок оптичк fibra
coverage: mbulim pokrivenost покрыти покриеност kapsama couverture acoperire
connectivity: lidhj= lidhja konekcij связ поврзаност bağlantı baglanti connectivité connectivite
    conectivitate
permit: leje= lejet lejen lejes dozvol разрешен дозвол izin= izni ruhsat permis autorisation autorizați
    autorizatii
building permit: građevinsk gradjevinsk gradjevinska градежна строительств
application form: aplikim zahtjev zahtev заявлени барањ başvuru basvuru demande demandes cerere
document: dokument документ belge= belgeler document
paper: letër leter papir бумаг хартиј kağıt kagit papier hârti harti
electronic signature: nënshkrim nenshkrim potpis подпис потпис imza signature semnătur semnatur
e-services: e-usluge e-uslug госуслуг e-devlet e-hizmet
service: shërbim sherbim uslug услуг hizmet service servici
office: zyr= zyra zyrë zyre ured= ureda kancelarij канцеляр отдел канцелариј ofis bureau birou
department: departament drejtori odjel odeljenj одељењ управлени департамент сектор daire müdürlü mudurlu
    département departement direcți directi
staff: punonjës punonjes staf= stafi zaposlen službenik sluzbenik сотрудник персонал кадр вработен personel
    personnel angajaț angajat
skills: aftësi aftesi aftësit vještin vestin вештин навык вештини beceri compétences competences competenț
    competent
training: trajnim obuk= obuka obuke обучени обук обуч eğitim egitim formation instruire instruir
experience: përvojë pervoje iskustv опыт искуств deneyim expérience experience experienț
expert: ekspert stručnjak strucnjak специалист експерт uzman expert specialist
budget: buxhet budžet budzet бюджет буџет bütçe butce budget buget
money: paraja novac novc деньг средств пари argent bani= fonduri
funding: financim finansir finansij финансир финансов finansman financement finanțar finantar
donor: donator donor донор bağışçı bagisci bailleur bailleurs
grant: grant grantov грант hibe= subvention subvenți subventi
investment: investim investic инвестиц yatırım yatirim investissement investiți investiti
loan: kredi= kredit кредит kredi emprunt împrumut imprumut
cost: kosto trošk trosk затрат стоимост трошок maliyet coût cout coûts couts cost=
expensive: shtrenjt skup= skupo дорог скапо pahalı pahali cher= chère= chères= scump
savings: kursim ušted usted экономия= экономии= экономию= экономией= заштед tasarruf économies economies
    economii
contract: kontrat ugovor договор контракт sözleşme sozlesme contrat contract
tender: tender тендер ihale= ihaleler appel+d'offres licitați licitati
procurement: prokurim nabavk закуп набавк закупк marchés marches achiziți achizitii
law: ligj= ligji zakon закон kanun= kanunu yasa= loi= loi lege= legi=
regulation: rregullor propis pravilnik регулир положени прописи уредба yönetmelik yonetmelik règlement
    reglement réglementation reglementation regulament
approval: miratim odobrenj одобрен одобрувањ onay= approbation aprobar
council: këshill keshill vijeć vijec skupštin skupstin совет совета совет= meclis conseil consiliu
mayor: kryetar gradonačelnik gradonacelnik načelnik nacelnik мэр градоначалник градоначелник başkan baskan
    maire primar
election: zgjedhj izbor выбор избор seçim secim élection election alegeri
political: politik политич политичк siyasi politique politic
strategy: strategj strategij стратег strateji stratégie strategie
plan: planifik planira планир plan= planific
vision: vizion vizij видени визиј vizyon vision viziun
citizens: qytetar građan gradjan gradjani граждан жител граѓан vatandaş vatandas halk= citoyen citoyens
    habitants cetățen cetaten locuitor
residents: banor stanovni stanovnik жител становни sakin= sakinler résident resident habitants locuitori
trust: besim= besimi povjerenj poverenj доверие довери доверба güven guven confiance încredere incredere
complaint: ankes= ankesa žalb zalb жалоб поплак жалба şikayet sikayet plainte plaintes reclamați reclamati
participation: pjesëmarrj pjesemarrj učešć ucesc sudjelovanj участи учешће katılım katilim participation
    participar
vote: votim glasanj glasan голосов гласањ oylama vote= voter votar
participatory budget: pjesëmarrës pjesemarres participativ партиципатив participatif participativ
transparency: transparenc transparentnost прозрачност прозрачн прозрачн şeffaf seffaf transparence
tourism: turiz turist туриз турист tourism tourisme turism
visitor: vizitor posjetilac posjetioc posetilac posetioc посетител посетител ziyaretçi ziyaretci visiteur
    visiteurs vizitator
hotel: hotel otel= hôtel
heritage: trashëgimi trasegimi baštin bastin наслед наследств miras patrimoine patrimoniu
old town: historik историческ историск tarihi médina medina istoric
heat: nxehtë nxehte vrućin vrucin жар зной топлот жештин sıcak sicak chaleur canicule căldur caldur caniculă
summer: verë= vere= ljeto ljet leto= лето= летом yaz= yazın yazin été= ete=
winter: dimër dimer zima zimi зим зимой kış= kis= hiver iarn
cold: ftohtë ftohte hladn холод soğuk soguk froid frig
tree: pemë peme drveć drvec дерев дрвја ağaç agac arbre arbres copac copaci
green: gjelbër gjelber zelen зелен yeşil yesil vert= verts espaces+verts verde
park: park= parkov парк parc=
climate: klim клима климат iklim climat climă clima
cybersecurity: kibernetik kibernetičk kibernetick sajber кибербезопас сајбер siber cybersécurité
    cybersecurite cibernetic
security: sigurnost bezbednost безопасн безбедност güvenlik guvenlik sécurité securite
    securitat
attack: sulm= sulmi napad напад атак saldırı saldiri attaque atac
virus: virus вирус ransomware рансомвер fidye+yazılım rançongiciel
backup: kopje rezervë rezervn резервн yedek sauvegarde backup
server: server сервер serveur
computer: kompjuter računar racunar компьютер компјутер bilgisayar ordinateur calculator
incident: incident incident инцидент olay= incidente
interoperability: ndërveprim nderveprim interoperabil совместим интероперабил birlikte çalış birlikte calis
    interopérabil
integration: integrim integracij интеграц интеграциј entegrasyon intégration integration integrare
vendor: furnitor dobavljač dobavljac поставщик продавец добавувач tedarikçi tedarikci fournisseur furnizor
legacy system: устаревш
share: ndajnë ndajne dijeli dele= обмен делит сподел paylaş paylas partag partaj
separate: veçmas vecmas odvojen zasebn отдельн посебн séparé separe separat
slow: ngadalë ngadale медлен долг бавно yavaş yavas lent= lente lentement încet incet
queue: radhë radhe redovi= redova= очеред редиц kuyruk attente coadă coada
village: fshat sela= selo= село= села= köy= koy= village sate=
rural: rural= ruralne сельск рурал kırsal kirsal rural
mountain: malor горн dağ= dag= montagne munte
population: popullsi stanovništv stanovnistv население населени nüfus nufus population populați populati
municipality: bashki komun općin opcin opstin opštin муниципал акимат општин мэрия belediye commune
    municipal primări primari
city: qytet grad= grada grad gradu город град şehir sehir kent= ville= villes oraș oras
capital: kryeqytet столиц başkent baskent capitale
small: vogël vogel malen небольш küçük kucuk petit petite mică
large: madh= velik= veliki большой крупн голем büyük buyuk grand= grande
lack: mungesë mungese mungon nedostat nedostaj недостат отсутств нема= yetersiz manque insuffisan
    lipsa lipsă
problem: problem проблем sorun= problème probleme
old: vjetër vjeter стар= старые старых eski= ancien ancienne vieux vechi
new: novi= nova= novo= новы yeni= nouveau nouvelle
modernisation: modernizim modernizacij модерниз модернизациј modernizasyon modernisation modernizar
replacement: zëvendësim zevendesim zamjen zamen замен замена değişim degisim remplacement înlocuir inlocuir
maintenance: mirëmbajtj mirembajtj održavanj odrzavanj обслуживан ремонт одржување bakım bakim entretien
    întreținer intretiner
manual: manual ručn rucn вручн рачно manuel manuelle
dispute: mosmarrëveshj mosmarreveshj anlaşmazlık anlasmazlik litige
    litiges
tax: tatim taks porez налог даночн vergi= vergiler impôt impot taxe taxes impozit
revenue: prihod доход gelir recette recettes venituri
property: pronë prone pronës prones imovin nekretnin собственност недвиж имот mülk mulk propriété propriete
    proprietat
agriculture: bujqësi bujqesi poljoprivred сельскохозяйств земјоделств tarım tarim agriculture agricultur
irrigation: ujitj navodnjavanj полив орошени наводнувањ sulama irrigation irigați irigati
investor: investitor инвестор yatırımcı yatirimci investisseur
business: biznes biznis бизнес предприниматель бизнис işletme isletme entreprise entreprises afaceri
youth: mlad= mladi mladih молодеж младин gençlik genclik jeunes tineri
women: женщин жени kadın kadin femmes femei
disability: invalid инвалид попреченост engelli handicap dizabilit
noise: zhurm buk= buka бучав gürültü gurultu bruit zgomot
camera: kamer камер kamera caméra camera
video surveillance: mbikëqyrj mbikeqyrj nadzor видеонаблюд vidéosurveillance videosurveillance supraveghere
smart: mençur mencur pametn умн паметн akıllı akilli intelligent intelligente intelig
light: dritë drite svjetl svetl свет светл ışık isik lumière lumiere lumin
distribution: shpërndarj shperndarj distribuc распредел дистрибуц dağıtım dagitim distribution distribuți
network: rrjet= rrjeti mreža mreza mrež сеть сети мрежа réseau reseau rețea retea
meter: matës mates brojil счетчик броила sayaç sayac compteur contor
bill: faturë fature faturat račun racun счет счета сметк fatura facture factura
consumption: konsum potrošnj potrosnj потреблен потрошувач tüketim tuketim consommation consum
"""

#: A word as written: an elided article or preposition ("l'", "d'") is a word of its own, so
#: "L'éclairage" is looked up as "éclairage".
_WORD = re.compile(r"\w+", re.UNICODE)
#: The parts of a folded word that are looked up.
_FOLDED = re.compile(r"[a-z0-9']+")
#: Words shorter than this (as written) are looked up only among the general words of the text's own
#: language, never in the topic glossary that every language reads: short words of one language are
#: other words in another ("su" is water in Turkish and "are" in Bosnian). A word of one letter is
#: glossed only as part of a phrase.
GLOSSED_WORD_LETTERS = 3
#: General words by language (not topics): ``languages`` maps a language to ``english → stems``.
GENERAL_FILE = "glossary.json"


Index = tuple[dict[str, tuple[str, ...]], dict[str, str], int]
#: A phrase: its words, each with whether it must match whole, and its English gloss.
Phrase = tuple[tuple[tuple[str, bool], ...], str]
#: Phrases by the key of their first word (:func:`_phrase_key`), the longest first.
Phrases = dict[str, tuple[Phrase, ...]]
#: Letters of a stem's first word that key a phrase: fewer than this, the first word is matched whole.
_PREFIX_LETTERS = 4


def _entries(lines: list[str]) -> list[tuple[str, list[str]]]:
    """``(english, raw stems)`` of each ``english: stem ...`` entry; an indented line continues the
    entry above."""
    entries: list[str] = []
    for line in lines:
        if line.startswith(" ") and entries:
            entries[-1] += " " + line.strip()
        else:
            entries.append(line)
    return [(english.strip(), stems.split()) for english, _, stems in (e.partition(":") for e in entries)]


def _words(text: str) -> list[tuple[str, str]]:
    """The folded words of a text (or of a stem: ``appel+d'offres`` is appel, d, offres), each with
    the word as written."""
    return [(word, written) for written in _WORD.findall(text) for word in _FOLDED.findall(fold(written))]


def _short_key(written: str) -> str:
    """A short word as it is looked up: in lower case but not folded, since folding makes short words
    of one language meet (Arabic "هي", she, and "حي", district, both fold to "hy"; Turkish "ön",
    front, and "on", ten, to "on")."""
    return unicodedata.normalize("NFC", written.lower().replace("i\u0307", "i"))


def _build(lines: list[str]) -> Index:
    """Exact words, prefix stems (the first entry's gloss for a stem named twice), each mapped to its
    English gloss, and the length of the longest stem, from ``english: stem ...`` entry lines; phrases
    are left to :func:`_build_phrases`."""
    exact: dict[str, list[str]] = {}
    prefixes: dict[str, str] = {}
    for english, raws in _entries(lines):
        for raw in raws:
            if len(_WORD.findall(raw)) > 1:
                continue  # a phrase
            whole = raw.endswith("=")
            stem = fold(raw.rstrip("=")).strip("'")
            if not stem:
                continue
            if whole:
                exact.setdefault(stem, []).append(english)
            elif len(stem) < _PREFIX_LETTERS:
                continue  # a short word is too ambiguous without the "=" marker
            else:
                prefixes.setdefault(stem, english)
    longest = max(map(len, prefixes), default=0)
    return {k: tuple(dict.fromkeys(v)) for k, v in exact.items()}, prefixes, longest


def _build_phrases(lines: list[str]) -> Phrases:
    """The phrases (stems of several words) of ``english: stem ...`` entry lines."""
    found: dict[str, list[Phrase]] = {}
    for english, raws in _entries(lines):
        for raw in raws:
            if len(_WORD.findall(raw)) < 2:
                continue
            words = [w for w, _ in _words(raw.rstrip("="))]
            last = len(words) - 1
            parts = tuple(
                (w, len(w) < _PREFIX_LETTERS or (i == last and raw.endswith("=")))
                for i, w in enumerate(words)
            )
            found.setdefault(_phrase_key(*parts[0]), []).append((parts, english))
    return {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in found.items()}


def _phrase_key(word: str, whole: bool) -> str:
    """The key a phrase is filed under by its first word, and a text's word looked up by."""
    return word if whole else word[:_PREFIX_LETTERS]


def _phrase_at(phrases: Phrases, words: list[str], at: int) -> Phrase | None:
    """The longest phrase whose words are those of ``words`` from ``at`` on."""
    best: Phrase | None = None
    word = words[at]
    for key in dict.fromkeys((word, word[:_PREFIX_LETTERS])):
        for parts, english in phrases.get(key, ()):
            if (best is None or len(parts) > len(best[0])) and _starts_with(words[at:], parts):
                best = (parts, english)
    return best


def _starts_with(words: list[str], parts: tuple[tuple[str, bool], ...]) -> bool:
    """Whether ``words`` begin with a phrase's words, each whole or as a stem."""
    return len(parts) <= len(words) and all(
        word == part if whole else word.startswith(part)
        for word, (part, whole) in zip(words, parts, strict=False)
    )


@cache
def _topics() -> Index:
    """The topic glossary above, for every language."""
    return _build(_ENTRIES.strip().splitlines())


@cache
def _topic_phrases() -> Phrases:
    """The phrases of the topic glossary above, for every language."""
    return _build_phrases(_ENTRIES.strip().splitlines())


@cache
def _general_tables() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """``vocabulary/glossary.json``: language aliases, and each language's ``english → stems``."""
    data = json.loads(resources.files("matchmaker.vocabulary").joinpath(GENERAL_FILE).read_text("utf-8"))
    return data["aliases"], data["languages"]


@cache
def _general(language: str) -> Index:
    """The general words of one language; empty for a language the tables lack."""
    return _build(_general_lines(language))


@cache
def _general_short(language: str) -> dict[str, tuple[str, ...]]:
    """The general words of one language shorter than :data:`GLOSSED_WORD_LETTERS` letters, marked
    whole (``su=``), by :func:`_short_key`."""
    found: dict[str, list[str]] = {}
    for english, raws in _entries(_general_lines(language)):
        for raw in raws:
            written = raw.removesuffix("=")
            if raw.endswith("=") and len(written) < GLOSSED_WORD_LETTERS and len(_WORD.findall(written)) == 1:
                found.setdefault(_short_key(written), []).append(english)
    return {k: tuple(dict.fromkeys(v)) for k, v in found.items()}


@cache
def _general_phrases(language: str) -> Phrases:
    """The phrases of one language's general words."""
    return _build_phrases(_general_lines(language))


def _general_lines(language: str) -> list[str]:
    """One language's general words as ``english: stem ...`` entry lines; none for a language the
    tables lack."""
    aliases, tables = _general_tables()
    words = tables.get(aliases.get(language, language), {})
    return [f"{english}: {stems}" for english, stems in words.items()]


def _find(index: Index, word: str) -> tuple[str, ...]:
    """The gloss of a word in one index: an exact entry, else the longest stem the word starts with."""
    exact, prefixes, longest = index
    found = exact.get(word)
    if found:
        return found
    for n in range(min(len(word), longest), 3, -1):
        english = prefixes.get(word[:n])
        if english is not None:
            return (english,)
    return ()


@cache
def _lookup(word: str, language: str) -> tuple[str, ...]:
    """The topic glossary's gloss of a word, else the general words' of its language."""
    return _find(_topics(), word) or _find(_general(language), word)


#: How an explanation labels a gloss: it is a reading aid built from key words, not a translation.
GLOSS_NOTE = "English gloss from the glossary's key words, the passage's role and topics; not a translation"


def readable_gloss(words: str, role: str | None, topics: list[str] | tuple[str, ...]) -> str:
    """An English gloss that always says something: the passage's role and the English names of its
    topics (``need · waste collection, route planning``), then the glossary's words for it, if any.

    A passage with no glossary word still gets its role and topics; one with neither gets its role.
    A word said twice in a row (``public`` then ``public transport``) is said once.
    """
    said = words.split()
    words = " ".join(w for i, w in enumerate(said) if i + 1 == len(said) or said[i + 1] != w)
    head = " · ".join(part for part in (role or "", ", ".join(topics)) if part)
    if words and head:
        return f"{head} — {words}"
    return words or head


def gloss(text: str, language: str = "") -> str:
    """English words for the words of ``text`` (written in ``language``) of
    :data:`GLOSSED_WORD_LETTERS` letters or more that the glossary knows, in order, without repeats."""
    return " ".join(gloss_entries(text, language))


@lru_cache(maxsize=4096)
def gloss_entries(text: str, language: str = "") -> tuple[str, ...]:
    """The glossary's English entries (``street lighting``, ``waste``) for the phrases and words of
    ``text``, in the text's order, without repeats: :func:`gloss` before they are joined.

    A phrase is read first, the longest that starts at a word, and its words are not read again
    alone. Words of :data:`GLOSSED_WORD_LETTERS` letters or more are looked up in the topic glossary,
    then in the general words of ``language``; shorter words in the general words of ``language``
    only."""
    out: dict[str, None] = {}
    words = _words(text)
    folded = [w for w, _ in words]
    phrases = (_topic_phrases(), _general_phrases(language))
    at = 0
    while at < len(words):
        found = [p for p in (_phrase_at(table, folded, at) for table in phrases) if p is not None]
        if found:
            parts, english = max(found, key=lambda p: len(p[0]))  # the topic glossary's on a tie
            out.setdefault(english, None)
            at += len(parts)
            continue
        word, written = words[at]
        at += 1
        if len(word) < 2 or word.isdigit():
            continue
        if len(written) >= GLOSSED_WORD_LETTERS:
            glossed = _lookup(word, language)
        else:
            glossed = _general_short(language).get(_short_key(written), ())
        for english in glossed:
            out.setdefault(english, None)
    return tuple(out)


__all__ = ["GLOSSED_WORD_LETTERS", "GLOSS_NOTE", "gloss", "gloss_entries", "readable_gloss"]
