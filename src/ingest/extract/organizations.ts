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
