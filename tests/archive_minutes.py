"""Three made-up meetings of the council in the sample's layout: an archive to ask about dates, meeting facts
and several speakers. Written for the tests; not real minutes."""


def minutes(title: str, when: str, place: str, attendees: str, agenda: list[str], remarks: dict[str, list[str]]) -> str:
    """Minutes in the sample's layout: the header fields, then each speaker's remarks as bullets."""
    lines = [
        title,
        "",
        "1 実施日時",
        "",
        when,
        "",
        "2 場 所",
        "",
        place,
        "",
        "3 主な出席者（詳細は参加者名簿のとおり）",
        "",
        attendees,
        "",
        "4 議 題",
        "",
        *(f"- ({n}) {item}" for n, item in enumerate(agenda, start=1)),
        "",
        "5 意見交換の主なコメント",
        "",
    ]
    for speaker, said in remarks.items():
        lines += [f"<{speaker}>", "", *(f"- {remark}" for remark in said), ""]
    return "\n".join(lines)


MEETINGS = {
    "rumoi-2023-11-02.txt": minutes(
        "令和5年度留萌地域づくり連携会議 開催概要",
        "令和5年（2023年）11月2日（木）14:00～16:00",
        "留萌市文化センター 2階会議室",
        "各市町村長、留萌金融協会会長、留萌振興局長",
        ["冬期の除雪体制について", "意見交換 テーマ：冬の暮らしを支える"],
        {
            "苫前町長": ["除雪車の更新を進めているが、オペレーターの高齢化が心配である。"],
            "初山別村長": ["村では除雪ボランティアを募り、高齢者の住宅の雪下ろしを手伝ってもらっている。"],
            "留萌金融協会 会長": ["後継者のいない取引先が増えており、事業承継の相談に力を入れている。"],
        },
    ),
    "rumoi-2025-02-20.txt": minutes(
        "令和6年度第2回留萌地域づくり連携会議 開催概要",
        "令和7年（2025年）2月20日（木）13:30～15:00",
        "羽幌町中央公民館",
        "各市町村長、留萌商工会議所会頭、留萌振興局長",
        ["地域医療の現状について", "意見交換 テーマ：安心して暮らせる地域医療"],
        {
            "苫前町長": [
                "診療所の医師確保が喫緊の課題であり、北海道に医師派遣をお願いしたい。",
                "除雪の人手も足りず、町外の業者に頼っている。",
            ],
            "羽幌町長": ["離島の診療をオンラインで行う試みを、焼尻島で始める。"],
            "留萌商工会議所 会頭": ["事業承継の相談窓口を商工会議所に開き、専門家が相談に応じている。"],
        },
    ),
    "rumoi-2026-06-10.txt": minutes(
        "令和8年度第1回留萌地域づくり連携会議 開催概要",
        "令和8年（2026年）6月10日（水）10:00～12:00",
        "天塩町社会福祉会館",
        "各市町村長、留萌振興局長、北海道経済産業局",
        ["洋上風力と地域の将来について", "意見交換 テーマ：脱炭素のまちづくり"],
        {
            "苫前町長": [
                "洋上風力発電の促進区域の指定に大きな期待を寄せている。",
                "除雪車を電動化して、脱炭素に取り組みたい。",
            ],
            "遠別町長": ["洋上風力発電については、漁業者の声を丁寧に聞いていただきたい。"],
            "初山別村長": ["村の診療所に新しい医師を迎えることができた。"],
        },
    ),
}
