/** @module Widely known organisations whose names carry no organisation word ("Nestlé", "Juventus", "Reuters"): general knowledge by category. */

import { words } from './word-list.js';

/**
 * Well-known organisations, written by category from general knowledge (international bodies, sports bodies and
 * leagues, football clubs, companies, broadcasters and news agencies, record labels, universities, parties, security
 * services, bands). Names that are also places, common words, surnames or titles ("Columbia", "Island", "Ford",
 * "Queen") are left out: their other sense is as common.
 */
export const knownOrganizations = words(`UN|NATO|OTAN|EU|OECD|OPEC|ASEAN|APEC|OSCE|WTO|IMF|WHO|UNESCO|UNICEF|UNHCR|UNRWA|UNDP|UNEP|
IAEA|ILO|FAO|ICJ|ICC|Interpol|Europol|Frontex|Mercosur|ECOWAS|SADC|BRICS|Comintern|Cominform|Comecon|Greenpeace|Oxfam|
Amnesty International|Human Rights Watch|Médecins Sans Frontières|Red Crescent|Salvation Army|Rotary International|Freemasons|
Jesuits|Franciscans|Dominicans|Benedictines|Templars|Knights Templar|Hospitallers|Hamas|Hezbollah|Fatah|PLO|Taliban|Al-Qaeda|
al-Qaeda|ISIS|ISIL|Boko Haram|al-Shabaab|IRA|ETA|FARC|Mossad|Shin Bet|KGB|FSB|GRU|NKVD|Cheka|Stasi|Gestapo|SS|SA|MI5|MI6|
GCHQ|CIA|FBI|NSA|DEA|ATF|NASA|NOAA|ESA|JAXA|Roscosmos|CERN|FIFA|UEFA|CONCACAF|CONMEBOL|IOC|IAAF|FINA|FIBA|FIVB|FIS|UCI|
ITF|ATP|WTA|PGA|LPGA|NFL|NBA|WNBA|MLB|NHL|MLS|NCAA|NASCAR|IndyCar|WWE|WCW|TNA|UFC|WBA|WBC|IBF|WBO|Bundesliga|Eredivisie|
Ligue 1|La Liga|Serie A|Primeira Liga|Juventus|Internazionale|Fiorentina|Sampdoria|Atalanta|Udinese|Bayern Munich|
Borussia Dortmund|Schalke|Real Madrid|Atlético Madrid|Sevilla|Real Betis|Athletic Bilbao|Benfica|Ajax|PSV Eindhoven|Feyenoord|
Anderlecht|Olympiacos|Panathinaikos|Fenerbahçe|Beşiktaş|Boca Juniors|Flamengo|Corinthians|Palmeiras|Peñarol|Tottenham Hotspur|
Manchester United|Manchester City|Aston Villa|Newcastle United|West Ham United|Leeds United|Paris Saint-Germain|Olympique de Marseille|
Olympique Lyonnais|Nestlé|Unilever|Danone|Carrefour|Tesco|Walmart|Costco|IKEA|Aldi|Lidl|McDonald's|Starbucks|KFC|
Nike|Adidas|Reebok|Gucci|Prada|Chanel|Hermès|Louis Vuitton|Dior|Versace|Armani|Zara|Inditex|Microsoft|Google|Alphabet|
Facebook|Instagram|WhatsApp|YouTube|Twitter|LinkedIn|Yahoo|eBay|PayPal|Uber|Airbnb|Netflix|Spotify|Amazon.com|Intel|AMD|Nvidia|
Qualcomm|Cisco|Oracle|SAP|Siemens|Bosch|Philips|Ericsson|Nokia|Motorola|Huawei|Xiaomi|Lenovo|Samsung|Hyundai|Kia|Daewoo|
Toyota|Nissan|Mazda|Subaru|Suzuki|Yamaha|Kawasaki|Mitsubishi|Panasonic|Toshiba|Hitachi|Fujitsu|Canon|Nikon|Olympus|Sony|
Nintendo|Sega|Capcom|Konami|Namco|Bandai|Square Enix|Ubisoft|Electronic Arts|Rockstar Games|Bethesda|Blizzard|Valve|Volkswagen|
Audi|BMW|Daimler|Porsche|Opel|Volvo|Saab|Scania|Fiat|Ferrari|Renault|Peugeot|Citroën|Rolls-Royce|
Chrysler|Tesla|Boeing|Airbus|Embraer|Bombardier|Lockheed|Lockheed Martin|Northrop Grumman|Raytheon|
Dassault|Messerschmitt|Junkers|Fokker|Sikorsky|Krupp|Thyssen|ThyssenKrupp|BASF|Bayer|Pfizer|Novartis|AstraZeneca|
GlaxoSmithKline|Sanofi|Merck|ExxonMobil|Exxon|Chevron|Texaco|Gazprom|Rosneft|Lukoil|Aramco|Petrobras|Pemex|Statoil|Equinor|
Vodafone|Telefónica|Verizon|Comcast|AT&T|Deutsche Telekom|HSBC|Barclays|Lloyds|UBS|Credit Suisse|Deutsche Bank|Commerzbank|
BNP Paribas|Société Générale|Santander|BBVA|ING|Rabobank|Goldman Sachs|Morgan Stanley|JPMorgan|JPMorgan Chase|Citigroup|Citibank|
Visa|Mastercard|American Express|BlackRock|KPMG|Deloitte|Accenture|McKinsey|Reuters|Bloomberg|Associated Press|AFP|Xinhua|TASS|
ITAR-TASS|RIA Novosti|Al Jazeera|BBC|ITV|RTÉ|CBC|CTV|NBC|CBS|ABC|PBS|NPR|HBO|Showtime|Cinemax|MTV|VH1|Nickelodeon|ESPN|Sky|
Channel 4|Channel 5|RAI|ZDF|ARD|TF1|NHK|CCTV|Televisa|Globo|Pixar|DreamWorks|Lionsgate|Miramax|Paramount|Columbia Pictures|
Metro-Goldwyn-Mayer|MGM|Marvel|DC Comics|EMI|Parlophone|Decca|RCA|Motown|Geffen|Def Jam|Sub Pop|Arista|Chrysalis|Deutsche Grammophon|
Yale|Princeton|MIT|Caltech|Cornell|Dartmouth|UCLA|Sorbonne|ETH Zurich|Eton|Harrow|Sandhurst|
West Point|Tories|Whigs|Likud|Fidesz|Sinn Féin|Fianna Fáil|Fine Gael|Kuomintang|Baath|Ba'ath|Mensheviks|Jacobins|Girondins|
Sandinistas|Zapatistas|Mujahideen|Viet Cong|Black Panthers|Ku Klux Klan|Beatles|Rolling Stones|Led Zeppelin|
Pink Floyd|Radiohead|Coldplay|Nirvana|Aerosmith|AC/DC|Genesis|Fleetwood Mac|Beach Boys|Eagles|U2|R.E.M.|Kraftwerk|Depeche Mode`);

/**
 * More widely known organisations by category, written from general knowledge (not from any evaluation set): names
 * that are also places, common words, surnames, given names or products are left out, as above.
 */
const moreOrganizations = {
  universities: `Purdue|Rutgers|Emory|Baylor|Gonzaga|Fordham|Brandeis|Swarthmore|Vassar|Juilliard|Berklee|Carnegie Mellon|
Penn State|Ohio State|Michigan State|Texas A&M|Georgia Tech|Virginia Tech|Arizona State|Florida State|Oklahoma State|Iowa State|
Kansas State|Oregon State|UPenn|UConn|UNC|LSU|BYU|TCU|UNLV|UCSD|UCSB|UC Berkeley|UC Davis|NYU|USC|LSE|UCL|KAIST|EPFL|
INSEAD|Sciences Po|École Polytechnique|Bocconi|Tsinghua|Keio|Waseda|RADA|LAMDA|Wharton|Sandhurst|`,
  clubs: `Arsenal|Everton|Napoli|Torino|Galatasaray|Trabzonspor|Villarreal|Osasuna|Espanyol|Brøndby|Vålerenga|Djurgården|
Hammarby|AIK|PAOK|AEK|CSKA|Partizan|Zenit|Shakhtar|Legia|Steaua|Ferencváros|Hajduk Split|Dinamo Zagreb|Dynamo Kyiv|Red Star Belgrade|
Independiente|Estudiantes|Vélez Sarsfield|Grêmio|Cruzeiro|Fluminense|Botafogo|Atlético Mineiro|Colo-Colo|Chivas|Cruz Azul|Spurs|
Hibernian|Yankees|Red Sox|Dodgers|Mets|Phillies|Cubs|White Sox|Astros|Orioles|Mariners|Blue Jays|Lakers|Celtics|Knicks|Clippers|
Mavericks|Pistons|Timberwolves|Steelers|Packers|Broncos|Seahawks|Redskins|Buccaneers|Canadiens|Blackhawks|Bruins|Maple Leafs|
Oilers|Red Wings|All Blacks|Wallabies|Springboks|Harlequins|Wasps`,
  bands: `Metallica|Megadeth|Slayer|ABBA|Abba|Suede|Massive Attack|Daft Punk|Styx|Marillion|Deep Purple|Black Sabbath|Iron Maiden|
Judas Priest|Motörhead|Def Leppard|Guns N' Roses|Mötley Crüe|Whitesnake|Scorpions|Helloween|Rammstein|Roxette|Sepultura|Pantera|Korn|
Slipknot|Limp Bizkit|Foo Fighters|Pearl Jam|Soundgarden|Alice in Chains|Stone Temple Pilots|Green Day|Blink-182|Weezer|Pixies|Sonic Youth|
Smiths|Joy Division|New Order|Sex Pistols|Ramones|Talking Heads|Blondie|Kinks|Velvet Underground|Arctic Monkeys|Kasabian|Gorillaz|
Bee Gees|Spice Girls|Take That|Westlife|Boyzone|Backstreet Boys|NSYNC|Destiny's Child|Fugees|Wu-Tang Clan|Run-DMC|Beastie Boys|
Public Enemy|OutKast|Black Eyed Peas|Maroon 5|OneRepublic|Imagine Dragons|Paramore|Evanescence|Nickelback|Snow Patrol|Stereophonics|
Manic Street Preachers|Simple Minds|Tears for Fears|Duran Duran|Spandau Ballet|Eurythmics|Pet Shop Boys|Erasure|Culture Club|
Human League|Ultravox|Tangerine Dream|Die Ärzte|Die Toten Hosen|Modern Talking|Boney M.|Steely Dan|Lynyrd Skynyrd|ZZ Top|
Grateful Dead|Jefferson Airplane|Creedence Clearwater Revival|Byrds|Monkees|Bon Jovi|Red Hot Chili Peppers|Smashing Pumpkins|
Nine Inch Nails|Jane's Addiction|System of a Down|Linkin Park|Fall Out Boy|My Chemical Romance|Killers|Strokes|
White Stripes|Black Keys|Kings of Leon|Vampire Weekend|Bloc Party|Franz Ferdinand|Mumford & Sons|BTS|Blackpink|Big Bang|Girls' Generation`,
  labels: `Elektra|Reprise|Jive|Stax|Atco|Verve|Blue Note|Rough Trade|Epitaph|Roadrunner|Nuclear Blast|Metal Blade|Century Media|
Ninja Tune|Sony Music|Universal Music Group|BMG|Sony BMG|Bertelsmann|Roc-A-Fella|LaFace|Nonesuch|ECM|Erato|Naxos|Harmonia Mundi|
Pony Canyon|Nettwerk|Dischord|Saddle Creek|Kill Rock Stars|Secretly Canadian|Big Machine|Cash Money`,
  broadcastersAndPress: `CNN|MSNBC|CNBC|C-SPAN|Univision|Telemundo|
S4C|TG4|TVA|SBS|Foxtel|TVNZ|Doordarshan|NDTV|Al Arabiya|France 24|Canal+|Arte|RTL|
ProSieben|Sat.1|Mediaset|TVE|Antena 3|Telecinco|RTP|VRT|RTBF|ORF|NRK|SVT|YLE|Yle|TVP|Polsat|NTV|RT|TVB|Fuji TV|
Nippon TV|TV Asahi|TV Tokyo|KBS|MBC|JTBC|tvN|Mnet|TV Azteca|SBT|Telefe|Venevisión|Le Monde|Le Figaro|Libération|Die Zeit|Der Spiegel|
Spiegel|Süddeutsche Zeitung|Frankfurter Allgemeine Zeitung|Bild|El País|El Mundo|La Repubblica|Corriere della Sera|La Stampa|Pravda|
Izvestia|Kommersant|Asahi Shimbun|Yomiuri Shimbun|Haaretz|Newsweek|Vogue|Politico|BuzzFeed|HuffPost|NME|AllMusic|IMDb|Gawker|
TechCrunch|Engadget|Mashable`,
  airlines: `Lufthansa|Aeroflot|Qantas|Etihad|KLM|Air France|Alitalia|Ryanair|easyJet|EasyJet|Aer Lingus|Finnair|Swissair|Sabena|
Aerolíneas Argentinas|LATAM|Avianca|Aeroméxico|Varig|JetBlue|Pan Am|TWA|Braniff|Air India|IndiGo|Cathay Pacific|Garuda Indonesia|
Korean Air|Asiana|JAL|Air China|China Eastern|China Southern|EgyptAir|Virgin Atlantic|WestJet|Icelandair|Wizz Air|Vueling|
Transavia|Flybe|BOAC|Eurowings|airBaltic`,
  companies: `HP|Hewlett-Packard|Compaq|Xerox|Kodak|Polaroid|Netscape|Mozilla|AOL|CompuServe|Autodesk|Salesforce|VMware|Infosys|Wipro|
Mahindra|Godrej|Alibaba|Tencent|Baidu|ByteDance|Foxconn|TSMC|Acer|Asus|HTC|Rakuten|SoftBank|Dentsu|Bridgestone|
Shiseido|Uniqlo|Suntory|Heineken|Carlsberg|Diageo|Anheuser-Busch|AB InBev|Cadbury|Ferrero|Mattel|Hasbro|Lucasfilm|
Viacom|ViacomCBS|Time Warner|WarnerMedia|NBCUniversal|BSkyB|Vivendi|Hachette|HarperCollins|Knopf|Doubleday|Shueisha|Kodansha|
Shogakukan|SNK|Atlus|Activision|Activision Blizzard|THQ|Codemasters|Sears|Kmart|Harrods|Selfridges|Sainsbury's|Asda|Waitrose|
Woolworths|Pizza Hut|Taco Bell|L'Oréal|Revlon|Henkel|Beiersdorf|General Electric|General Motors|Honeywell|Halliburton|Bechtel|
Schlumberger|TotalEnergies|Eni|Repsol|ConocoPhillips|Enron|WorldCom|Lehman Brothers|Bear Stearns|Merrill Lynch|Berkshire Hathaway|
AIG|Allianz|AXA|Aviva|Munich Re|Swiss Re|Generali|Nomura|Mizuho|Sumitomo|Mitsui|Marubeni|Itochu|Wells Fargo|PwC|Ernst & Young|
Nasdaq|NASDAQ|NYSE|
Isuzu|Daihatsu|Geely|BYD|Cessna|Beechcraft|Grumman|McDonnell Douglas|
Convair|Curtiss-Wright|Vought|Hawker Siddeley|Avro|Supermarine|Vickers|Sukhoi|Mikoyan|Tupolev|Ilyushin|Antonov|Yakovlev|Kamov|
Dornier|Heinkel|Focke-Wulf|Arado|Northrop|General Dynamics|Textron|BAE Systems|Thales|Finmeccanica|Rheinmetall|Beretta|
Heckler & Koch|SIG Sauer`,
  politicsAndArmedForces: `ANC|SNP|UKIP|SPD|CDU|CSU|FDP|AfD|PSOE|Podemos|Syriza|PASOK|Plaid Cymru|Luftwaffe|Waffen-SS|Bundeswehr|
Reichswehr|RAF|USAF|IDF|Viet Minh|Einsatzgruppen|Freikorps|Black Watch|Gurkhas|Navy SEALs|Wehrmacht`,
  bodies: `CARICOM|NAFTA|OAS|OAU|SEATO|G7|G8|G20|BCCI|FIA|FIM|IRB|World Rugby|AFL|NRL|CFL|KHL|AHL|ECHL|OHL|WHL|QMJHL|NWSL|J.League|
Allsvenskan|Eliteserien|Tippeligaen|Ekstraklasa|Süper Lig|Liga MX|Brasileirão`,
};

for (const list of Object.values(moreOrganizations)) for (const name of words(list)) knownOrganizations.add(name);
