"""Sample bilingual articles, so a fresh `make run` shows a working board and feeds."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from newsfeed import editing
from newsfeed.model import NewArticle, Text
from newsfeed.store import Store

SAMPLES: list[NewArticle] = [
    NewArticle(
        category="news",
        slug="biosolution-mou",
        status="published",
        published_at=datetime.fromisoformat("2020-09-15T10:00:00+09:00"),
        texts={
            "ko": Text(
                title="의료원, 바이오솔루션 기업과 첨단재생의학 공동연구 협약 체결",
                summary="피부 재생 치료제 개발을 위해 임상 연구와 기술 교류를 함께 추진합니다.",
                body=(
                    "의료원은 9월 15일 본관 대회의실에서 바이오솔루션 기업과 "
                    "**첨단재생의학** 공동연구 협약을 맺었습니다.\n\n"
                    "두 기관은 앞으로 다음 분야에서 협력합니다.\n\n"
                    "- 화상 및 만성 창상 환자를 위한 세포치료제 임상 연구\n"
                    "- 연구 인력 교류와 공동 세미나\n"
                    "- 연구 성과의 사업화\n\n"
                    '원장은 "환자에게 더 빨리 새로운 치료 기회를 드리겠다"고 말했습니다.'
                ),
                author="홍보팀",
            ),
            "en": Text(
                title="Medical Center Signs Regenerative Medicine Research Pact with Biotech Firm",
                summary="The partners will run clinical studies on skin regeneration together.",
                body=(
                    "On September 15 the Medical Center signed an agreement with a biosolution "
                    "company to research **advanced regenerative medicine** together.\n\n"
                    "The partners will work on:\n\n"
                    "- clinical studies of cell therapies for burns and chronic wounds\n"
                    "- exchanges of researchers and joint seminars\n"
                    "- bringing research results to patients\n\n"
                    '"We want new treatment options to reach patients sooner," the director said.'
                ),
                author="Communications Office",
            ),
        },
    ),
    NewArticle(
        category="events",
        slug="stroke-awareness-lecture",
        status="published",
        published_at=datetime.fromisoformat("2021-03-02T14:00:00+09:00"),
        texts={
            "ko": Text(
                title="뇌졸중 예방 건강강좌 개최 안내",
                summary="신경과 교수진이 뇌졸중의 초기 증상과 예방법을 알려드립니다.",
                body=(
                    "3월 10일 오후 2시, 본관 지하 1층 강당에서 시민을 위한 건강강좌를 엽니다.\n\n"
                    "말이 어눌해지거나 한쪽 팔다리에 힘이 빠지는 증상이 나타나면 "
                    "**즉시 119**에 연락해야 합니다. 참가비는 없으며 사전 신청 없이 "
                    "누구나 참여할 수 있습니다."
                ),
                author="신경과",
            ),
            "en": Text(
                title="Public Lecture on Preventing Stroke",
                summary="Our neurologists explain the early signs of stroke and how to prevent it.",
                body=(
                    "Join us on March 10 at 2 p.m. in the auditorium on the first basement floor "
                    "of the main building.\n\n"
                    "Slurred speech or sudden weakness on one side of the body means you should "
                    "**call 119 at once**. The lecture is free and open to everyone; no "
                    "registration is needed."
                ),
                author="Department of Neurology",
            ),
        },
    ),
    NewArticle(
        category="news",
        slug="new-mri-suite",
        status="published",
        published_at=datetime.fromisoformat("2022-06-20T09:30:00+09:00"),
        texts={
            "ko": Text(
                title="3.0T 자기공명영상(MRI) 장비 도입으로 검사 대기 시간 단축",
                summary="영상의학과에 최신 MRI 두 대를 새로 설치했습니다.",
                body=(
                    "영상의학과는 6월부터 3.0T MRI 두 대를 새로 가동합니다. "
                    "검사 시간이 평균 30% 줄어들고, 소음이 적어 어린이와 폐소공포증이 있는 "
                    "환자도 편안하게 검사를 받을 수 있습니다."
                ),
                author="영상의학과",
            ),
            "en": Text(
                title="New 3.0T MRI Scanners Cut Waiting Times",
                summary="The Department of Radiology has installed two new MRI scanners.",
                body=(
                    "Two new 3.0T MRI scanners go into service in June. Scans take about 30% "
                    "less time, and the quieter machines make the examination easier for "
                    "children and for patients with claustrophobia."
                ),
                author="Department of Radiology",
            ),
        },
    ),
    NewArticle(
        category="events",
        slug="blood-donation-drive",
        status="published",
        published_at=datetime.fromisoformat("2023-11-08T11:00:00+09:00"),
        texts={
            "ko": Text(
                title="교직원 사랑의 헌혈 캠페인",
                summary="겨울철 혈액 수급을 돕기 위해 교직원 헌혈 행사를 엽니다.",
                body=(
                    "11월 13일부터 이틀 동안 본관 로비에서 헌혈 버스를 운영합니다. "
                    "헌혈에 참여한 분께는 기념품을 드립니다.\n\n"
                    "> 한 번의 헌혈로 최대 세 명의 생명을 살릴 수 있습니다."
                ),
                author="사회공헌팀",
            ),
        },
    ),
    NewArticle(
        category="news",
        slug="smart-hospital-award",
        status="published",
        published_at=datetime.fromisoformat("2024-05-27T16:00:00+09:00"),
        texts={
            "ko": Text(
                title="스마트병원 선도모델 우수기관 선정",
                summary="인공지능 기반 낙상 예방 시스템이 높은 평가를 받았습니다.",
                body=(
                    "의료원이 보건복지부 스마트병원 선도모델 사업의 우수기관으로 선정됐습니다. "
                    "병실 센서와 인공지능으로 입원 환자의 낙상 위험을 미리 알리는 시스템이 "
                    "좋은 평가를 받았습니다."
                ),
                author="홍보팀",
            ),
            "en": Text(
                title="Medical Center Recognised as a Leading Smart Hospital",
                summary="An AI system that helps prevent falls on the wards won the jury's praise.",
                body=(
                    "The Medical Center has been named an outstanding institution in the Ministry "
                    "of Health and Welfare's smart hospital programme. Ward sensors and an AI "
                    "model warn nurses before an inpatient is likely to fall."
                ),
                author="Communications Office",
            ),
        },
    ),
]


async def seed(store: Store, langs: tuple[str, ...]) -> int:
    """Add the samples to an empty database; returns how many were added (0 if not empty)."""
    if await store.count_articles() > 0:
        return 0
    for sample in SAMPLES:
        texts = {lang: text for lang, text in sample.texts.items() if lang in langs}
        if texts:
            await editing.create(store, dataclasses.replace(sample, texts=texts), langs)
    return len(SAMPLES)
